/**
 * A worker's pool, from its options and the app's `worker_*` settings (options win).
 */
import type { AppBootstrap } from '../app/app-bootstrap.js';
import type { Celery } from '../app/celery.js';
import { CeleriacError } from '../errors.js';
import { createPool } from './pools/create-pool.js';
import type { Pool, PoolKind } from './pools/pool.js';
import type { WorkerOptions } from './worker.js';

/** What the pool needs to know of its worker. */
export interface PoolOwner {
  readonly hostname: string;
  readonly queues: string[];
  readonly concurrency: number;
}

function bootstrapOf(appModule: WorkerOptions['appModule']): AppBootstrap | null {
  if (appModule === undefined) return null;
  return typeof appModule === 'string' ? { app: appModule, cwd: process.cwd() } : appModule;
}

/** @throws CeleriacError('CONFIG_INVALID') for a bad autoscale range or a threads/processes pool without `appModule`. */
export function createWorkerPool(owner: PoolOwner, app: Celery, options: WorkerOptions): Pool {
  const kind: PoolKind = options.pool ?? app.conf.workerPool;
  const autoscale = options.autoscale;
  if (autoscale && !(Number.isInteger(autoscale.min) && Number.isInteger(autoscale.max) && autoscale.min >= 1 && autoscale.max >= autoscale.min)) {
    throw new CeleriacError('CONFIG_INVALID', `autoscale needs whole numbers max ≥ min ≥ 1, got max ${autoscale.max}, min ${autoscale.min}`);
  }
  return createPool({
    kind,
    // Autoscale starts small and grows; prefetch still follows the maximum, as in Celery.
    concurrency: autoscale ? autoscale.min : owner.concurrency,
    app,
    log: options.logger ?? app.log,
    bootstrap: bootstrapOf(options.appModule),
    hostname: owner.hostname,
    queues: owner.queues,
    logging: options.childLogging ?? null,
    maxTasksPerChild: options.maxTasksPerChild !== undefined ? options.maxTasksPerChild : app.conf.workerMaxTasksPerChild,
    maxMemoryPerChildBytes: options.maxMemoryPerChildBytes !== undefined ? options.maxMemoryPerChildBytes : app.conf.workerMaxMemoryPerChildBytes,
  });
}
