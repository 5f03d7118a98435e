/** `celeriac call <name>`: send a task by name (Celery's `celery call`), optionally wait for it. */
import type { Command } from 'commander';
import { appFromOptions, parseJsonOption, UsageError } from '../context.js';

interface CallCliOptions {
  args?: string;
  kwargs?: string;
  queue?: string;
  countdown?: string;
  expires?: string;
  wait?: boolean;
  timeout: string;
}

const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function seconds(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${name} must be a number of seconds ≥ 0, got '${text}'`);
  return n;
}

export function registerCall(program: Command): void {
  program
    .command('call <name>')
    .description('send a task by name and print its id (or its result with --wait)')
    .option('-a, --args <json>', 'positional arguments as a JSON array', undefined)
    .option('-k, --kwargs <json>', 'keyword arguments as a JSON object', undefined)
    .option('-Q, --queue <name>', 'queue to send to')
    .option('--countdown <seconds>', 'run no earlier than this many seconds from now')
    .option('--expires <seconds>', 'do not run after this many seconds from now')
    .option('-w, --wait', 'wait for the result and print it as JSON')
    .option('--timeout <seconds>', 'with --wait: give up after this many seconds', '60')
    .action(async (name: string, options: CallCliOptions, command: Command) => {
      const args = parseJsonOption('--args', options.args, [], isArray);
      const kwargs = parseJsonOption('--kwargs', options.kwargs, {}, isObject);
      const timeoutS = seconds('--timeout', options.timeout) ?? 60;
      const app = await appFromOptions(command);
      try {
        const result = await app.sendTask(name, args, kwargs, {
          queue: options.queue,
          countdown: seconds('--countdown', options.countdown),
          expires: seconds('--expires', options.expires),
        });
        if (!options.wait) {
          process.stdout.write(`${result.id}\n`);
          return;
        }
        const value = await result.get({ timeoutMs: timeoutS * 1000 });
        process.stdout.write(`${JSON.stringify(value)}\n`);
      } finally {
        await app.close();
      }
    });
}
