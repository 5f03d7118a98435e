// Opens a threads or processes pool over the pool fixture app, as the worker would.
import { systemClock } from '../../src/internal/clock.js';
import { silentLogger } from '../../src/internal/logger.js';
import { spawnProcess, spawnThread } from '../../src/worker/pools/executor-channel.js';
import { ExecutorPool } from '../../src/worker/pools/executor-pool.js';
import type { PoolFixture } from './pool.conformance.js';

const projectRoot = new URL('../..', import.meta.url).pathname;

export function executorPoolFixture(kind: 'threads' | 'processes'): PoolFixture {
  return {
    open: async ({ concurrency, maxTasksPerChild, maxMemoryPerChildBytes }) => {
      const pool = new ExecutorPool({
        kind,
        concurrency,
        spawn: kind === 'threads' ? spawnThread : spawnProcess,
        init: {
          bootstrap: { app: './test/fixtures/apps/pool-app.ts', cwd: projectRoot },
          hostname: 'conformance@test',
          queues: ['celery'],
          concurrency,
          logging: null,
        },
        clock: systemClock,
        log: silentLogger(),
        maxTasksPerChild: maxTasksPerChild ?? null,
        maxMemoryPerChildBytes: maxMemoryPerChildBytes ?? null,
      });
      await pool.start();
      return pool;
    },
  };
}
