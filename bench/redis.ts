// celeriac on Redis (broker and result backend), the four workloads of issue 3, one JSON line each:
//   W1 enqueue:    awaited `delay` one after another ("loop"), the same with broker_transport_options
//                  confirm_publish false ("loop-unconfirmed": delay() resolves once written; timed
//                  until app.close() has Redis's last reply), and 1,000 `delay` calls in flight at
//                  a time ("bulk"), tasks/s; no worker running; each after an untimed warm-up
//                  (--w1-warmup, a tenth of N by default) sent the same way.
//   W2 drain:      N noop tasks queued, then one `celeriac worker` process runs them; timed from
//                  its first take off the queue until every result is stored (results on) or
//                  every message is acknowledged (results off), tasks/s.
//   W3 round trip: `await (await noop.delay()).get()` N times in a row, p50/p95/p99 ms.
//   W4 memory:     peak RSS (VmHWM) of the worker process during W2 with results on, MiB.
// The worker is the production configuration (bench/compiled-app.ts): compiled celeriac (dist/;
// CELERIAC_RUNTIME=dist makes a stale build fail rather than fall back to the sources) and the
// bench app compiled to JavaScript, so no TypeScript loader runs in it.
// Every system of bench/compare is timed by the same code (bench/compare/measure.mjs).
//
//   node --conditions=celeriac-source --import tsx bench/redis.ts [--workload W1,W2,W3,W4] [--n N | --quick] [--results on|off|both]
//                                    [--concurrency 100] [--db 7] [--redis redis://127.0.0.1:6379]
// Defaults: W1 20,000, W2 100,000, W3 2,000 tasks; --n sets all three (CI: --n 200).
// BENCH_WORKER_ARGS adds arguments to the worker command line (e.g. "--prefetch-multiplier 8").
import { Redis } from 'ioredis';
import type { AsyncResult } from '../src/index.js';
import { silentLogger } from '../src/internal/logger.js';
import { compiledBenchApp } from './compiled-app.js';
import {
  emitDrain,
  parseBenchArgs,
  runWorkloads,
  startProcess,
  stopProcess,
  timeEnqueue,
  timeKombuDrain,
  timeRoundTrips,
  type Proc,
} from './compare/measure.mjs';

const args = parseBenchArgs(process.argv.slice(2), { db: 7, concurrency: 100 });
const IN_FLIGHT = 1000;
const projectRoot = new URL('..', import.meta.url).pathname;
const system = { system: 'celeriac', worker: `-c ${args.concurrency}` };
const redis = new Redis(args.redisUrl);
const workerApp = compiledBenchApp();
// After the build: without --conditions=celeriac-source, `import 'celeriac'` needs a fresh dist/.
const { createBenchApp } = await import('./bench-app.js');

function producer(results: boolean, settings: Record<string, unknown> = {}) {
  return createBenchApp(args.redisUrl, results ? args.redisUrl : 'disabled', { logger: silentLogger() }, settings);
}

function startWorker(results: boolean): Proc {
  const extra = process.env.BENCH_WORKER_ARGS?.split(' ').filter(Boolean) ?? [];
  const argv = ['bin/celeriac.js', 'worker', '-A', workerApp, '-c', String(args.concurrency), '-l', 'error', ...extra];
  return startProcess(process.execPath, argv, {
    cwd: projectRoot,
    env: { CELERIAC_RUNTIME: 'dist', BENCH_BROKER_URL: args.redisUrl, BENCH_RESULT_BACKEND: results ? args.redisUrl : 'disabled' },
  });
}

async function sendInFlight(noop: { delay(): Promise<AsyncResult<null>> }, n: number): Promise<void> {
  for (let i = 0; i < n; i += IN_FLIGHT) {
    const batch: Array<Promise<unknown>> = [];
    for (let j = 0; j < IN_FLIGHT && i + j < n; j++) batch.push(noop.delay());
    await Promise.all(batch);
  }
}

async function w1(): Promise<void> {
  const { sizes, w1Warmup: warmup } = args;
  const n = sizes.w1;
  await redis.flushdb();
  const { app, noop } = producer(true);
  try {
    await noop.delay(); // connect outside the timing
    const loop = async (count: number) => {
      for (let i = 0; i < count; i++) await noop.delay();
    };
    await timeEnqueue(system, 'loop', { n, warmup, send: loop, details: { confirm_publish: true } });
    await timeEnqueue(system, 'bulk', { n, warmup, send: (count) => sendInFlight(noop, count) });
  } finally {
    await app.close();
  }
  await w1Unconfirmed(n, warmup);
}

/** The awaited loop with `confirm_publish: false`: delay() resolves once written (timed until close() has every reply). */
async function w1Unconfirmed(n: number, warmup: number): Promise<void> {
  await redis.flushdb();
  const { app, noop } = producer(true, { broker_transport_options: { confirm_publish: false } });
  let closed = false;
  try {
    await noop.delay();
    const loop = async (count: number) => {
      for (let i = 0; i < count; i++) await noop.delay();
    };
    const finish = async () => {
      await app.close();
      closed = true;
    };
    await timeEnqueue(system, 'loop-unconfirmed', { n, warmup, send: loop, finish, details: { confirm_publish: false } });
  } finally {
    if (!closed) await app.close();
  }
}

async function w2(results: boolean): Promise<void> {
  const n = args.sizes.w2;
  await redis.flushdb();
  // Queued by a producer without a backend, then closed: nothing of it runs during the drain.
  // The messages are the same either way (ignore_result false).
  const { app, noop } = producer(false);
  try {
    await sendInFlight(noop, n);
  } finally {
    await app.close();
  }
  const drain = await timeKombuDrain({ redis, n, results, startWorker: async () => startWorker(results), timeoutMs: args.timeoutMs });
  emitDrain(system, args, { n, results, drain });
}

async function w3(): Promise<void> {
  const n = args.sizes.w3;
  await redis.flushdb();
  const worker = startWorker(true);
  const { app, noop } = producer(true);
  try {
    const roundTrip = async (): Promise<number> => {
      const t0 = performance.now();
      await (await noop.delay()).get({ timeout: 60_000 });
      return performance.now() - t0;
    };
    const died = worker.exited.then((code) => {
      throw new Error(`worker exited (${code}) during W3:\n${worker.stderr()}`);
    });
    died.catch(() => undefined);
    await timeRoundTrips(system, { n, warmup: args.warmup, roundTrip, died });
  } finally {
    await stopProcess(worker);
    await app.close();
  }
}

try {
  await runWorkloads(args, { w1, w2, w3 });
} finally {
  redis.disconnect();
}
