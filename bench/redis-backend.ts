/**
 * Redis result backend benchmark: store rate and wait latency, one JSON line.
 *
 *   node --import tsx bench/redis-backend.ts [results=100000] [rounds=2000]
 *
 * Redis from `CELERIAC_BENCH_REDIS_URL` (default `redis://127.0.0.1:6379/10`); every key lives
 * under a fresh prefix, deleted at the end.
 *
 * - storeRatePerSec: `results` SUCCESS metas stored at once (a worker finishing many tasks), end
 *   to end: encode, batch (500 per script call), Redis, every promise settled.
 * - storeRateOneCallEachPerSec: the same with one script call per result (maxBatchSize 1), still
 *   pipelined on the socket — what batching buys.
 * - sequentialStoreRatePerSec: stored one at a time, each awaited (one round trip each).
 * - wakeLatencyMs: a waiter on one backend (its channel already subscribed), the result stored
 *   through a second backend (other connections); time from the store call to the wake-up.
 * - getLatencyMs: `waitForReady` and the store issued together (the `delay()` + `get()` of a fast
 *   task): time from the wait call to its resolution, subscribe and first read included.
 */
import { randomUUID } from 'node:crypto';
import { RedisBackend, type RedisBackendOptions } from '../src/backends/redis/redis-backend.js';
import { createRedisClient, type RedisClient } from '../src/connections/redis-connection.js';
import { formatDateDone } from '../src/protocol/result-codec.js';
import type { ResultMeta } from '../src/protocol/result-meta.js';

const url = process.env.CELERIAC_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/10';
const results = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 2_000);
const prefix = `celeriac-bench-${randomUUID()}:`;

function success(taskId: string, result: unknown): ResultMeta {
  return { taskId, status: 'SUCCESS', result, traceback: null, children: [], dateDone: formatDateDone(Date.now()) };
}

function percentiles(samples: number[]): { p50: number; p95: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => Number((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(3));
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

async function backend(options: Partial<RedisBackendOptions> = {}): Promise<RedisBackend> {
  const b = new RedisBackend({ url, globalKeyprefix: prefix, ...options });
  await b.start();
  return b;
}

async function storeRate(b: RedisBackend, n: number): Promise<number> {
  const ids = Array.from({ length: n }, () => randomUUID());
  const metas = ids.map((id, i) => success(id, { i, value: 'x'.repeat(32) }));
  await b.getMeta(randomUUID()); // connected before the clock starts
  const start = performance.now();
  await Promise.all(metas.map((m) => b.storeResult(m)));
  return Math.round(n / ((performance.now() - start) / 1000));
}

async function sequentialStoreRate(b: RedisBackend, n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await b.storeResult(success(randomUUID(), i));
  return Math.round(n / ((performance.now() - start) / 1000));
}

async function untilSubscribed(probe: RedisClient, channel: string): Promise<void> {
  for (;;) {
    const [, count] = (await probe.pubsub('NUMSUB', channel)) as [string, number];
    if (Number(count) > 0) return;
  }
}

async function wakeLatency(waiter: RedisBackend, writer: RedisBackend, probe: RedisClient, n: number) {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = randomUUID();
    const waiting = waiter.waitForReady(id, { timeoutMs: 10_000 });
    await untilSubscribed(probe, waiter.keys.task(id));
    const start = performance.now();
    await Promise.all([writer.storeResult(success(id, i)), waiting]);
    samples.push(performance.now() - start);
  }
  return percentiles(samples);
}

async function getLatency(waiter: RedisBackend, writer: RedisBackend, n: number) {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = randomUUID();
    const start = performance.now();
    const waiting = waiter.waitForReady(id, { timeoutMs: 10_000 });
    await Promise.all([writer.storeResult(success(id, i)), waiting]);
    samples.push(performance.now() - start);
  }
  return percentiles(samples);
}

async function deleteKeys(client: RedisClient): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5_000);
    if (keys.length > 0) await client.unlink(keys);
    cursor = next;
  } while (cursor !== '0');
}

const probe = createRedisClient(url);
await probe.connect();
try {
  const batched = await backend();
  const storeRatePerSec = await storeRate(batched, results);
  const sequentialStoreRatePerSec = await sequentialStoreRate(batched, Math.min(results, 5_000));
  await batched.stop();

  const oneEach = await backend({ maxBatchSize: 1 });
  const storeRateOneCallEachPerSec = await storeRate(oneEach, results);
  await oneEach.stop();

  const waiter = await backend();
  const writer = await backend();
  await wakeLatency(waiter, writer, probe, Math.min(rounds, 200)); // warm-up
  const wakeLatencyMs = await wakeLatency(waiter, writer, probe, rounds);
  const getLatencyMs = await getLatency(waiter, writer, rounds);
  await Promise.all([waiter.stop(), writer.stop()]);

  console.log(
    JSON.stringify({
      bench: 'redis-backend',
      results,
      rounds,
      storeRatePerSec,
      storeRateOneCallEachPerSec,
      sequentialStoreRatePerSec,
      wakeLatencyMs,
      getLatencyMs,
    }),
  );
} finally {
  await deleteKeys(probe);
  probe.disconnect();
}
