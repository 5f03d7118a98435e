/**
 * Result backend benchmark: store rate and wait latency, one JSON line per backend.
 *
 *   node --import tsx bench/backend.ts [results=20000]
 *
 * - storeRatePerSec: `results` SUCCESS metas stored at once (a worker finishing many tasks),
 *   end to end: encode, batch, commit, promise settled.
 * - sequentialStoreRatePerSec: stored one at a time, each awaited (the worst case: one commit each).
 * - waitLatencyMs: waiter registered, then the result stored on the same instance; time from the
 *   store call to the waiter resolving (p50 / p99).
 * - crossConnectionWaitLatencyMs (sqlite): the same, stored through a second connection to the
 *   file, so the waiter is woken by the `-wal` watch (polling set far away).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultBackend } from '../src/backends/backend.js';
import { MemoryBackend } from '../src/backends/memory/memory-backend.js';
import { SqliteBackend } from '../src/backends/sqlite/sqlite-backend.js';
import { formatDateDone } from '../src/protocol/result-codec.js';
import type { ResultMeta } from '../src/protocol/result-meta.js';

const results = Number(process.argv[2] ?? 20_000);
const sequential = Math.min(results, 5_000);
const latencyRounds = Math.min(results, 500);

function success(taskId: string, result: unknown): ResultMeta {
  return { taskId, status: 'SUCCESS', result, traceback: null, children: [], dateDone: formatDateDone(Date.now()) };
}

function percentiles(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => Number((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(3));
  return { p50: at(0.5), p99: at(0.99) };
}

async function storeRate(backend: ResultBackend, n: number): Promise<number> {
  const ids = Array.from({ length: n }, () => randomUUID());
  const start = performance.now();
  await Promise.all(ids.map((id, i) => backend.storeResult(success(id, { i, value: 'x'.repeat(32) }))));
  return Math.round(n / ((performance.now() - start) / 1000));
}

async function sequentialStoreRate(backend: ResultBackend, n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await backend.storeResult(success(randomUUID(), i));
  return Math.round(n / ((performance.now() - start) / 1000));
}

async function waitLatency(waiter: ResultBackend, writer: ResultBackend, rounds: number): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const id = randomUUID();
    const waiting = waiter.waitForReady(id, { timeoutMs: 10_000 });
    const start = performance.now();
    await writer.storeResult(success(id, i));
    await waiting;
    samples.push(performance.now() - start);
  }
  return percentiles(samples);
}

async function benchMemory(): Promise<void> {
  const backend = new MemoryBackend();
  await backend.start();
  const line = {
    bench: 'backend',
    backend: 'memory',
    results,
    storeRatePerSec: await storeRate(backend, results),
    sequentialStoreRatePerSec: await sequentialStoreRate(backend, sequential),
    waitLatencyMs: await waitLatency(backend, backend, latencyRounds),
  };
  await backend.stop();
  console.log(JSON.stringify(line));
}

async function benchSqlite(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-bench-backend-'));
  try {
    const path = join(dir, 'results.db');
    const backend = new SqliteBackend({ path });
    const other = new SqliteBackend({ path, pollIntervalMs: 60_000 });
    await backend.start();
    await other.start();
    const line = {
      bench: 'backend',
      backend: 'sqlite',
      results,
      storeRatePerSec: await storeRate(backend, results),
      sequentialStoreRatePerSec: await sequentialStoreRate(backend, sequential),
      waitLatencyMs: await waitLatency(backend, backend, latencyRounds),
      crossConnectionWaitLatencyMs: await waitLatency(other, backend, Math.min(latencyRounds, 200)),
    };
    await other.stop();
    await backend.stop();
    console.log(JSON.stringify(line));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await benchMemory();
await benchSqlite();
