/** `celeriac purge`: delete every waiting message of the queues (Celery's `celery purge`). */
import type { Command } from 'commander';
import { appFromOptions } from '../context.js';

export function registerPurge(program: Command): void {
  program
    .command('purge')
    .description('delete all waiting messages from the queues (default: task_default_queue)')
    .option('-Q, --queues <names>', 'comma-separated queues to purge')
    .option('-f, --force', 'accepted for Celery compatibility; celeriac never prompts')
    .action(async (options: { queues?: string }, command: Command) => {
      const app = await appFromOptions(command);
      try {
        const queues = options.queues?.split(',').map((q) => q.trim()).filter(Boolean) ?? [app.conf.taskDefaultQueue];
        const transport = await app.transport();
        let total = 0;
        for (const q of queues) total += await transport.purge(q);
        process.stdout.write(`Purged ${total} message${total === 1 ? '' : 's'} from ${queues.length} known task queue${queues.length === 1 ? '' : 's'}.\n`);
      } finally {
        await app.close();
      }
    });
}
