// The BullMQ worker of the comparison, in its own process: a noop processor on queue `bench`.
//   BENCH_REDIS_URL=redis://127.0.0.1:6379/8 BENCH_CONCURRENCY=100 node bench/compare/bullmq-worker.mjs
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const connection = new Redis(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/8', { maxRetriesPerRequest: null });
const worker = new Worker('bench', async () => null, {
  connection,
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 100),
});
worker.on('error', (error) => console.error(error));
await worker.waitUntilReady();
process.stdout.write('bullmq worker ready\n');

const shutdown = () => {
  void worker.close().then(() => {
    connection.disconnect();
    process.exit(0);
  });
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
