import type { Clock } from '../../src/internal/clock.js';
import { AsyncPool } from '../../src/worker/pools/async-pool.js';
import { app } from '../fixtures/apps/pool-app.js';
import { poolConformance } from './pool.conformance.js';

// The fixture's waiting tasks hold no handle of their own; in a worker the broker connection keeps
// the process alive, here the limit timers must.
const refClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, delayMs) {
    const t = setTimeout(fn, delayMs);
    return () => clearTimeout(t);
  },
};

poolConformance('async', {
  open: async ({ concurrency }) => {
    const pool = new AsyncPool(app, { concurrency, clock: refClock });
    await pool.start();
    return pool;
  },
  skip: {
    stopsSynchronousLoop: 'a synchronous loop blocks the event loop the timer needs; JavaScript cannot stop it from the same thread (docs/pools.md)',
    recycles: 'the async pool runs tasks in the worker process: there is no thread or child to replace',
    processInit: 'the worker sends worker_process_init itself for the async pool, which runs tasks in its own process',
    survivesExit: 'the async pool runs tasks in the worker process: a task that exits ends the worker',
  },
});
