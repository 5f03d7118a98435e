// The app benchmarks run: a noop task (`bench.noop`) on the broker BENCH_BROKER_URL names, with
// results in BENCH_RESULT_BACKEND ('disabled' turns them off; unset: the broker's default —
// embedded brokers keep results themselves, others store none).
import { Celery, type CeleryOptions } from 'celeriac';

/** A fresh bench app and its noop task: for producers that need several configurations in one process. */
export function createBenchApp(brokerUrl: string, resultBackend: string | undefined, options: CeleryOptions = {}, settings: Record<string, unknown> = {}) {
  const app = new Celery('bench', { broker_url: brokerUrl, ...(resultBackend ? { result_backend: resultBackend } : {}), ...settings }, options);
  const noop = app.task('bench.noop', () => null);
  return { app, noop };
}

// What `celeriac worker -A bench/bench-app.ts` loads.
export const { app, noop } = createBenchApp(process.env.BENCH_BROKER_URL ?? 'memory://', process.env.BENCH_RESULT_BACKEND);
