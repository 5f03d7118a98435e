// Enqueue and drain rates on the embedded transports (memory, sqlite), results stored.
// One JSON line per scenario. Usage: npm run bench [-- --n 20000 --transports memory,sqlite]
//   enqueue_loop: awaited `delay` one after another (tasks/s)
//   enqueue_bulk: `delay` calls in flight together, 1,000 at a time (tasks/s)
//   drain:        N queued noop tasks run by an in-process worker (-c 100), results stored (tasks/s)
//   drain_process (sqlite only): the same with the worker in its own process (`celeriac worker`),
//                 timed from its ready line until this process has read every result
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Celery, Worker, type AsyncResult } from '../src/index.js';
import { spawnWorker } from '../test/integration/worker-processes.js';
import { silentLogger } from '../src/internal/logger.js';

const { values } = parseArgs({
  options: { n: { type: 'string', default: '20000' }, transports: { type: 'string', default: 'memory,sqlite' } },
});
const n = Number(values.n);
const dir = mkdtempSync(join(tmpdir(), 'celeriac-bench-'));

function urlFor(kind: string, label: string): string {
  if (kind === 'memory') return 'memory://';
  return `sqlite:///${join(dir, `${label}.db`)}`;
}

function report(scenario: string, transport: string, tasks: number, ms: number, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ scenario, transport, tasks, seconds: +(ms / 1000).toFixed(3), tasks_per_s: Math.round((tasks / ms) * 1000), ...extra }));
}

async function enqueue(kind: string): Promise<void> {
  const app = new Celery('bench', { broker_url: urlFor(kind, 'enqueue') }, { logger: silentLogger() });
  const noop = app.task('bench.noop', () => null);
  await noop.delay(); // connect outside the timing
  let t0 = performance.now();
  for (let i = 0; i < n; i++) await noop.delay();
  report('enqueue_loop', kind, n, performance.now() - t0);
  t0 = performance.now();
  for (let i = 0; i < n; i += 1000) {
    const batch: Array<Promise<unknown>> = [];
    for (let j = 0; j < 1000 && i + j < n; j++) batch.push(noop.delay());
    await Promise.all(batch);
  }
  report('enqueue_bulk', kind, n, performance.now() - t0);
  await app.close();
}

async function drain(kind: string): Promise<void> {
  const app = new Celery('bench', { broker_url: urlFor(kind, 'drain') }, { logger: silentLogger() });
  const noop = app.task('bench.noop', () => null);
  const batch: Array<Promise<unknown>> = [];
  for (let i = 0; i < n; i++) batch.push(noop.delay());
  await Promise.all(batch);
  const worker = new Worker(app, { concurrency: 100, logger: silentLogger() });
  let done = 0;
  const finished = new Promise<void>((resolve) =>
    worker.on('task-done', () => {
      if (++done === n) resolve();
    }),
  );
  const t0 = performance.now();
  await worker.start();
  await finished;
  const ms = performance.now() - t0;
  report('drain', kind, n, ms, { results: true, rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20) });
  await worker.stop();
  await app.close();
}

async function drainProcess(): Promise<void> {
  const url = urlFor('sqlite', 'drain-process');
  process.env.BENCH_BROKER_URL = url;
  const { app, noop } = await import('./bench-app.js');
  app.log = silentLogger();
  const batch: Array<Promise<AsyncResult<null>>> = [];
  for (let i = 0; i < n; i++) batch.push(noop.delay());
  const results = await Promise.all(batch);
  const t0 = performance.now();
  const worker = await spawnWorker(['-A', 'bench/bench-app.ts', '-c', '100', '-l', 'error'], { BENCH_BROKER_URL: url });
  const ready = performance.now();
  await Promise.all(results.map((r) => r.get({ timeout: 600_000 })));
  const ms = performance.now() - ready;
  report('drain_process', 'sqlite', n, ms, { results: true, worker_start_ms: Math.round(ready - t0) });
  worker.child.kill('SIGTERM');
  await worker.exited;
  await app.close();
}

try {
  for (const kind of values.transports.split(',')) {
    await enqueue(kind);
    await drain(kind);
    if (kind === 'sqlite') await drainProcess();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
