/**
 * Builds the pool a worker asked for (`-P`, `worker_pool`).
 */
import type { AppBootstrap } from '../../app/app-bootstrap.js';
import type { Celery } from '../../app/celery.js';
import { CeleriacError } from '../../errors.js';
import type { Logger } from '../../internal/logger.js';
import { AsyncPool } from './async-pool.js';
import { spawnProcess, spawnThread } from './executor-channel.js';
import type { ExecutorInit } from './executor-protocol.js';
import { ExecutorPool } from './executor-pool.js';
import type { Pool, PoolKind } from './pool.js';

export interface PoolSettings {
  kind: PoolKind;
  concurrency: number;
  app: Celery;
  log: Logger;
  /** How threads and children load the app; required for `threads` and `processes`. */
  bootstrap: AppBootstrap | null;
  hostname: string;
  queues: string[];
  /** Logging the children set up as the worker did; null: the app's own. */
  logging: ExecutorInit['logging'];
  maxTasksPerChild: number | null;
  maxMemoryPerChildBytes: number | null;
}

/**
 * @throws CeleriacError('CONFIG_INVALID') for `threads` / `processes` without a bootstrap: a
 *   thread or child must load the app from its module, as Celery's children import it.
 */
export function createPool(s: PoolSettings): Pool {
  if (s.kind === 'async') return new AsyncPool(s.app, { concurrency: s.concurrency });
  if (!s.bootstrap) {
    throw new CeleriacError(
      'CONFIG_INVALID',
      `the ${s.kind} pool loads the app in each ${s.kind === 'threads' ? 'thread' : 'child process'}: start the worker with -A <module>, or pass appModule to new Worker()`,
    );
  }
  if (s.app.brokerUrl().startsWith('memory:')) {
    s.log.warn(`the ${s.kind} pool with a memory:// broker: tasks sent from inside a task go to that thread's or child's own private broker, not this worker's`);
  }
  return new ExecutorPool({
    kind: s.kind,
    concurrency: s.concurrency,
    spawn: s.kind === 'threads' ? spawnThread : spawnProcess,
    init: { bootstrap: s.bootstrap, hostname: s.hostname, queues: s.queues, concurrency: s.concurrency, logging: s.logging },
    clock: s.app.clock,
    log: s.log,
    maxTasksPerChild: s.maxTasksPerChild,
    maxMemoryPerChildBytes: s.maxMemoryPerChildBytes,
  });
}
