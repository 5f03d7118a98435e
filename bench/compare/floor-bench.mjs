// The floor: W1-W4 done with bare ioredis and kombu's key layout, no task queue at all, so the
// other systems' figures can be read against what this machine and Redis allow. W1 loop is an
// awaited LPUSH per message (the least a confirmed publish costs), bulk a pipeline of 1,000;
// W2 and W3 use floor-worker.mjs (see there what it leaves out); W3 subscribes to the result
// channel, LPUSHes and waits for the PUBLISH. Same command line as the other systems' scripts.
//   node bench/compare/floor-bench.mjs [--workload W1,W2,W3,W4] [--n N | --quick] [--results on|off|both] [--db 6]
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { emitDrain, parseBenchArgs, runWorkloads, startProcess, stopProcess, timeEnqueue, timeKombuDrain, timeRoundTrips } from './measure.mjs';
import { noopMessage, resultKey } from './floor-message.mjs';

const args = parseBenchArgs(process.argv.slice(2), { db: 6, concurrency: 1 });
const BATCH = 1000;
const system = { system: 'floor', worker: 'bare ioredis, RPOP 100 + pipelined results' };
const workerScript = fileURLToPath(new URL('./floor-worker.mjs', import.meta.url));
const redis = new Redis(args.redisUrl);

async function startWorker(results) {
  let ready;
  const readyLine = new Promise((resolve) => (ready = resolve));
  const proc = startProcess(process.execPath, [workerScript], {
    env: { BENCH_REDIS_URL: args.redisUrl, BENCH_RESULTS: results ? '1' : '0' },
    onLine: (line) => line.includes('ready') && ready(),
  });
  await Promise.race([readyLine, proc.exited.then((code) => Promise.reject(new Error(`floor worker exited ${code}:\n${proc.stderr()}`)))]);
  return proc;
}

async function enqueueBulk(n) {
  for (let i = 0; i < n; i += BATCH) {
    const size = Math.min(BATCH, n - i);
    const pipeline = redis.pipeline();
    for (let j = 0; j < size; j++) pipeline.lpush('celery', noopMessage()[1]);
    await pipeline.exec();
  }
}

async function w1() {
  const { sizes, w1Warmup: warmup } = args;
  const n = sizes.w1;
  await redis.flushdb();
  const loop = async (count) => {
    for (let i = 0; i < count; i++) await redis.lpush('celery', noopMessage()[1]);
  };
  await timeEnqueue(system, 'loop', { n, warmup, send: loop });
  await timeEnqueue(system, 'bulk', { n, warmup, send: enqueueBulk });
}

async function w2(results) {
  const n = args.sizes.w2;
  await redis.flushdb();
  await enqueueBulk(n);
  const drain = await timeKombuDrain({ redis, n, results, startWorker: () => startWorker(results), timeoutMs: args.timeoutMs });
  emitDrain(system, args, { n, results, drain });
}

async function w3() {
  const n = args.sizes.w3;
  await redis.flushdb();
  const subscriber = new Redis(args.redisUrl);
  const worker = await startWorker(true);
  const waiting = new Map();
  subscriber.on('message', (channel) => {
    waiting.get(channel)?.();
    waiting.delete(channel);
  });
  try {
    const roundTrip = async () => {
      const t0 = performance.now();
      const [id, envelope] = noopMessage();
      const done = new Promise((resolve) => waiting.set(resultKey(id), resolve));
      // Subscribed before the task is sent, as a result backend must be; both in one write.
      void subscriber.subscribe(resultKey(id));
      await redis.lpush('celery', envelope);
      await done;
      void subscriber.unsubscribe(resultKey(id));
      return performance.now() - t0;
    };
    await timeRoundTrips(system, { n, warmup: args.warmup, roundTrip });
  } finally {
    await stopProcess(worker);
    subscriber.disconnect();
  }
}

try {
  await runWorkloads(args, { w1, w2, w3 });
} finally {
  redis.disconnect();
}
