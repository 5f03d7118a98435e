/** `celeriac dead list|requeue`: inspect and replay messages the worker could not process. */
import type { Command } from 'commander';
import { appFromOptions } from '../context.js';

export function registerDead(program: Command): void {
  const dead = program.command('dead').description('list or requeue dead-lettered messages');
  dead
    .command('list')
    .description('list dead letters, oldest first')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'one JSON object per line')
    .action(async (options: { limit: string; json?: boolean }, command: Command) => {
      const app = await appFromOptions(command);
      try {
        const letters = await (await app.transport()).listDeadLetters({ limit: Number(options.limit) || 100 });
        for (const d of letters) {
          const headers = d.message.headers;
          const line = {
            id: d.id,
            queue: d.queue,
            diedAt: new Date(d.diedAtMs).toISOString(),
            reason: d.reason,
            task: typeof headers.task === 'string' ? headers.task : null,
            taskId: typeof headers.id === 'string' ? headers.id : null,
          };
          process.stdout.write(options.json ? `${JSON.stringify(line)}\n` : `${line.id}\t${line.diedAt}\t${line.queue}\t${line.task ?? '-'}\t${line.reason}\n`);
        }
        if (!options.json) process.stdout.write(`${letters.length} dead letter${letters.length === 1 ? '' : 's'}\n`);
      } finally {
        await app.close();
      }
    });
  dead
    .command('requeue [ids...]')
    .description('put dead letters back on their queues (all, or the given ids)')
    .action(async (ids: string[], _options: unknown, command: Command) => {
      const app = await appFromOptions(command);
      try {
        const n = await (await app.transport()).requeueDeadLetters(ids.length ? ids : undefined);
        process.stdout.write(`requeued ${n} message${n === 1 ? '' : 's'}\n`);
      } finally {
        await app.close();
      }
    });
}
