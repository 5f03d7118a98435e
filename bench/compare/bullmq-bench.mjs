// BullMQ 6 on Redis: W1-W4 as bench/redis.ts runs them for celeriac, one JSON line each.
// Worker: bullmq-worker.mjs in its own process, concurrency 100 (shared/PERFORMANCE.md's setup).
// "Results on" is BullMQ's default (the return value kept on the completed job); "results off"
// is `removeOnComplete: true`.
//   node bench/compare/bullmq-bench.mjs [--workload W1,W2,W3,W4] [--n N | --quick] [--results on|off|both] [--db 8] [--concurrency 100]
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { emitDrain, parseBenchArgs, runWorkloads, startProcess, stopProcess, timeDrain, timeEnqueue, timeRoundTrips } from './measure.mjs';

const args = parseBenchArgs(process.argv.slice(2), { db: 8, concurrency: 100 });
const BATCH = 1000;
const system = { system: 'bullmq', worker: `concurrency ${args.concurrency}` };
const workerScript = fileURLToPath(new URL('./bullmq-worker.mjs', import.meta.url));
const redis = new Redis(args.redisUrl);
const connection = new Redis(args.redisUrl, { maxRetriesPerRequest: null });
const queue = new Queue('bench', { connection });

async function startWorker() {
  let ready;
  const readyLine = new Promise((resolve) => (ready = resolve));
  const proc = startProcess(process.execPath, [workerScript], {
    env: { BENCH_REDIS_URL: args.redisUrl, BENCH_CONCURRENCY: String(args.concurrency) },
    onLine: (line) => line.includes('ready') && ready(),
  });
  await Promise.race([readyLine, proc.exited.then((code) => Promise.reject(new Error(`bullmq worker exited ${code}:\n${proc.stderr()}`)))]);
  return proc;
}

async function enqueueBulk(n, opts) {
  for (let i = 0; i < n; i += BATCH) {
    const size = Math.min(BATCH, n - i);
    await queue.addBulk(Array.from({ length: size }, () => ({ name: 'noop', data: {}, opts })));
  }
}

async function w1() {
  const { sizes, w1Warmup: warmup } = args;
  const n = sizes.w1;
  await redis.flushdb();
  await queue.add('noop', {}); // connect and load the scripts outside the timing
  const loop = async (count) => {
    for (let i = 0; i < count; i++) await queue.add('noop', {});
  };
  await timeEnqueue(system, 'loop', { n, warmup, send: loop });
  await timeEnqueue(system, 'bulk', { n, warmup, send: (count) => enqueueBulk(count, undefined) });
}

async function w2(results) {
  const n = args.sizes.w2;
  await redis.flushdb();
  await enqueueBulk(n, results ? undefined : { removeOnComplete: true });
  const drain = await timeDrain({
    redis,
    queueKey: 'bull:bench:wait',
    n,
    isDone: results
      ? async () => (await redis.zcard('bull:bench:completed')) >= n
      : async () => (await redis.exists('bull:bench:wait', 'bull:bench:active', 'bull:bench:prioritized')) === 0,
    startWorker,
    timeoutMs: args.timeoutMs,
  });
  emitDrain(system, args, { n, results, drain });
}

async function w3() {
  const n = args.sizes.w3;
  await redis.flushdb();
  const eventsConnection = new Redis(args.redisUrl, { maxRetriesPerRequest: null });
  const events = new QueueEvents('bench', { connection: eventsConnection });
  await events.waitUntilReady();
  const worker = await startWorker();
  try {
    const roundTrip = async () => {
      const t0 = performance.now();
      const job = await queue.add('noop', {});
      await job.waitUntilFinished(events, 60_000);
      return performance.now() - t0;
    };
    await timeRoundTrips(system, { n, warmup: args.warmup, roundTrip });
  } finally {
    await stopProcess(worker);
    await events.close();
    eventsConnection.disconnect(); // QueueEvents leaves a connection it was given open
  }
}

try {
  await runWorkloads(args, { w1, w2, w3 });
} finally {
  await queue.close();
  connection.disconnect();
  redis.disconnect();
}

