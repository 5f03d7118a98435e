// Python Celery 5.2 (Debian's python3-celery) on Redis: W1-W4 as bench/redis.ts runs them for
// celeriac, one JSON line each. The producers are Python (celery/bench.py); the worker is
//   python3 -m celery -A tasks worker -P prefork -c 1 --without-gossip --without-mingle --without-heartbeat
// (one pool process, the one-worker setup of shared/PERFORMANCE.md, with the cluster chatter off).
//   node bench/compare/celery-bench.mjs [--workload W1,W2,W3,W4] [--n N | --quick] [--results on|off|both] [--db 9]
// BENCH_CELERY_POOL=solo swaps the pool; BENCH_PYTHON names another interpreter.
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { emit, emitDrain, parseBenchArgs, runProcess, runWorkloads, startProcess, stopProcess, timeKombuDrain } from './measure.mjs';

const args = parseBenchArgs(process.argv.slice(2), { db: 9, concurrency: 1 });
const python = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const cwd = fileURLToPath(new URL('./celery/', import.meta.url));
const pool = process.env.BENCH_CELERY_POOL ?? 'prefork';
const system = { system: 'celery', worker: `-P ${pool} -c ${args.concurrency}` };
const redis = new Redis(args.redisUrl);
const env = (results) => ({
  BENCH_BROKER_URL: args.redisUrl,
  BENCH_RESULT_BACKEND: results ? args.redisUrl : 'disabled',
  PYTHONDONTWRITEBYTECODE: '1',
});

function startWorker(results) {
  const argv = ['-m', 'celery', '-A', 'tasks', 'worker', '-P', pool, '-c', String(args.concurrency), '-l', 'error'];
  argv.push('--without-gossip', '--without-mingle', '--without-heartbeat');
  return startProcess(python, argv, { cwd, env: env(results) });
}

async function w1() {
  await redis.flushdb();
  for (const line of await runProcess(python, ['bench.py', 'w1', String(args.sizes.w1), String(args.w1Warmup)], { cwd, env: env(true) })) {
    emit({ ...system, workload: 'W1', ...JSON.parse(line) });
  }
}

async function w2(results) {
  const n = args.sizes.w2;
  await redis.flushdb();
  // Queued by a producer without a backend, so it does not subscribe to 100,000 result channels
  // and then watch them during the drain; the messages are the same (ignore_result false).
  await runProcess(python, ['bench.py', 'enqueue', String(n)], { cwd, env: env(false) });
  const drain = await timeKombuDrain({ redis, n, results, startWorker: async () => startWorker(results), timeoutMs: args.timeoutMs });
  emitDrain(system, args, { n, results, drain });
}

async function w3() {
  await redis.flushdb();
  const worker = startWorker(true);
  try {
    const lines = await runProcess(python, ['bench.py', 'w3', String(args.sizes.w3), String(args.warmup)], { cwd, env: env(true) });
    for (const line of lines) emit({ ...system, workload: 'W3', ...JSON.parse(line) });
  } finally {
    await stopProcess(worker);
  }
}

try {
  await runWorkloads(args, { w1, w2, w3 });
} finally {
  redis.disconnect();
}
