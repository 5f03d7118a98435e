/**
 * `celeriac result <id>`: wait for a task's result and print it as JSON (Celery's
 * `celery result`, which also waits); `--state` prints the current state without waiting,
 * `--traceback` the traceback of a failed task.
 */
import type { Command } from 'commander';
import { appFromOptions, UsageError } from '../context.js';

export function registerResult(program: Command): void {
  program
    .command('result <taskId>')
    .description("wait for a task's result and print it as JSON")
    .option('--traceback', 'print the traceback of a failed task')
    .option('--state', 'print the current state instead, without waiting')
    .option('--timeout <seconds>', 'give up waiting after this many seconds', '60')
    .action(async (taskId: string, options: { traceback?: boolean; state?: boolean; timeout: string }, command: Command) => {
      const timeoutS = Number(options.timeout);
      if (!Number.isFinite(timeoutS) || timeoutS < 0) throw new UsageError(`--timeout must be a number of seconds ≥ 0, got '${options.timeout}'`);
      const app = await appFromOptions(command);
      try {
        const result = app.asyncResult(taskId);
        if (options.state) {
          process.stdout.write(`${await result.state}\n`);
        } else if (options.traceback) {
          await result.get({ timeoutMs: timeoutS * 1000, propagate: false });
          process.stdout.write(`${(await result.traceback) ?? ''}\n`);
        } else {
          process.stdout.write(`${JSON.stringify(await result.get({ timeoutMs: timeoutS * 1000 }))}\n`);
        }
      } finally {
        await app.close();
      }
    });
}
