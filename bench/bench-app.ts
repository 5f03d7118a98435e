// The app benchmarks run: a noop task on the broker BENCH_BROKER_URL names.
import { Celery } from '../src/index.js';

export const app = new Celery('bench', { broker_url: process.env.BENCH_BROKER_URL ?? 'memory://' });
export const noop = app.task('bench.noop', () => null);
