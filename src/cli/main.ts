/**
 * The `celeriac` command line (Celery's `celery` command). `-A` and the other global options are
 * accepted before or after the subcommand (`celeriac -A ./tasks.ts worker` and
 * `celeriac worker -A ./tasks.ts`), since Celery's docs use both.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CeleriacError } from '../errors.js';
import { registerCall } from './commands/call.js';
import { registerDead } from './commands/dead.js';
import { registerPurge } from './commands/purge.js';
import { registerResult } from './commands/result.js';
import { registerWorker } from './commands/worker.js';
import { UsageError } from './context.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('celeriac')
    .description('Celery, the distributed task queue, for TypeScript')
    .version(pkg.version, '-V, --version')
    .option('-A, --app <module>', 'module exporting the app (./tasks.ts, ./proj, ./tasks.ts:app)')
    .option('-b, --broker <url>', 'broker URL (overrides broker_url)')
    .option('--result-backend <url>', 'result backend URL (overrides result_backend)')
    .option('--config <file>', 'JSON or YAML settings file')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerWorker(program);
  registerCall(program);
  registerResult(program);
  registerPurge(program);
  registerDead(program);
  const addGlobals = (cmd: Command): void => {
    for (const sub of cmd.commands) {
      sub.exitOverride();
      // Global options also after the subcommand, as `celery worker -A proj` allows.
      sub
        .option('-A, --app <module>', 'module exporting the app')
        .option('-b, --broker <url>', 'broker URL')
        .option('--result-backend <url>', 'result backend URL');
      addGlobals(sub);
    }
  };
  addGlobals(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed the message (or help/version); keep its exit code.
      process.exit(err.exitCode);
    }
    if (err instanceof UsageError) {
      process.stderr.write(`celeriac: ${err.message}\n`);
      process.exit(2);
    }
    if (err instanceof CeleriacError) {
      process.stderr.write(`celeriac: ${err.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`celeriac: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  }
}

await main(process.argv);
