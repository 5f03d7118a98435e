/**
 * `celeriac worker`: run a worker (Celery's `celery worker`). First SIGTERM/SIGINT: warm
 * shutdown (finish running tasks, exit 0); second: cold shutdown (exit 1 at once).
 */
import type { Command } from 'commander';
import { closeLogFiles, normalizeLevel } from '../../internal/logger.js';
import { Worker } from '../../worker/worker.js';
import { appFromOptions, bootstrapFromOptions, positiveInt, UsageError } from '../context.js';
import { addPoolOptions, poolOptionsFrom, type PoolCliOptions } from '../pool-options.js';

interface WorkerCliOptions extends PoolCliOptions {
  queues?: string;
  concurrency?: string;
  hostname?: string;
  loglevel: string;
  logfile?: string;
  logFormat?: string;
  prefetchMultiplier?: string;
}

export function registerWorker(program: Command): void {
  const worker = program
    .command('worker')
    .description('start a worker that consumes and runs tasks')
    .option('-Q, --queues <names>', 'comma-separated queues to consume (default: every task_queues queue, else task_default_queue)')
    .option('-c, --concurrency <n>', 'tasks run at once (default: worker_concurrency, else CPU count)')
    .option('-n, --hostname <name>', 'node name; %h host, %n short host, %d domain (default: celery@%h)')
    .option('-l, --loglevel <level>', 'debug, info, warning, error, critical', 'warning')
    .option('-f, --logfile <path>', 'write the log to this file')
    .option('--log-format <format>', "'celery' (Celery's lines) or 'json' (one JSON object a line); default: celery in a terminal or a file, else json")
    .option('--prefetch-multiplier <n>', 'prefetch = concurrency × this (default: worker_prefetch_multiplier)');
  addPoolOptions(worker)
    .action(async (options: WorkerCliOptions, command: Command) => {
      const concurrency = positiveInt('--concurrency', options.concurrency);
      const prefetchMultiplier = options.prefetchMultiplier === undefined ? undefined : Number(options.prefetchMultiplier);
      if (prefetchMultiplier !== undefined && !(Number.isInteger(prefetchMultiplier) && prefetchMultiplier >= 0)) {
        throw new UsageError(`--prefetch-multiplier must be a whole number ≥ 0, got '${options.prefetchMultiplier}'`);
      }
      try {
        normalizeLevel(options.loglevel);
      } catch (err) {
        throw new UsageError(`--loglevel: ${(err as Error).message}`);
      }
      const format = options.logFormat;
      if (format !== undefined && format !== 'celery' && format !== 'json') {
        throw new UsageError(`--log-format must be 'celery' or 'json', got '${format}'`);
      }
      const app = await appFromOptions(command);
      const pool = poolOptionsFrom(options, app, bootstrapFromOptions(command));
      // Through the app, so setup_logging / after_setup_logger signal handlers take part.
      const logger = app.setupLogging({ loglevel: options.loglevel, logfile: options.logfile, format });
      const worker = new Worker(app, {
        queues: options.queues?.split(',').map((q) => q.trim()).filter(Boolean),
        concurrency,
        prefetchMultiplier,
        hostname: options.hostname,
        logger,
        ...pool,
        childLogging: { loglevel: options.loglevel, logfile: options.logfile, format },
      });
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals): void => {
        signals++;
        if (signals === 1) {
          logger.warn(`${signal} received: warm shutdown (finishing running tasks; send again for cold shutdown)`);
          // A failed shutdown must say why: left unhandled, the rejection would end the process
          // with code 1 and nothing in the log.
          worker
            .stop({ graceful: true })
            .then(() => app.close())
            .then(
              () => closeLogFiles().then(() => process.exit(0)),
              (error: unknown) => {
                logger.error({ err: error }, `warm shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
                return closeLogFiles().then(() => process.exit(1));
              },
            );
        } else {
          logger.warn(`${signal} received again: cold shutdown`);
          process.exit(1);
        }
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      await worker.start();
      if (signals > 0) return; // stopped while starting (e.g. waiting for the broker): exiting
      // Say so on stdout too: scripts and tests wait for this line.
      process.stdout.write(`celeriac worker ${worker.hostname} ready (queues: ${worker.queues.join(', ')})\n`);
    });
}
