/**
 * The default pool: task functions run concurrently on this process's event loop, at most
 * `concurrency` at once. Synchronous functions block the loop while they run, as they would in
 * any single-threaded runtime; CPU-bound tasks belong on the threads or processes pool.
 *
 * What it can and cannot stop (docs/pools.md): at the soft limit it aborts `ctx.signal`; at the
 * hard limit, on `terminate` and on cold shutdown it aborts the signal too and *abandons* the
 * call — the task fails with `TimeLimitExceeded` (or the terminate reason) and its slot is free
 * again — but JavaScript cannot stop a promise from outside: code that ignores the signal goes on
 * running in the background until it ends on its own, and its result is dropped. A synchronous
 * loop blocks the event loop, so not even the timer fires.
 */
import type { Celery } from '../../app/celery.js';
import type { Clock } from '../../internal/clock.js';
import { invokeTask } from './invoke-task.js';
import type { CallOptions, CallOutcome, TaskCall } from './pool.js';
import { SlotPool } from './slot-pool.js';

export interface AsyncPoolOptions {
  concurrency: number;
  /** Time source of the time limits; default the app's clock. */
  clock?: Clock;
}

export class AsyncPool extends SlotPool {
  readonly kind = 'async';

  constructor(
    private readonly app: Celery,
    options: AsyncPoolOptions,
  ) {
    super(options.concurrency, options.clock ?? app.clock);
  }

  async start(): Promise<void> {}

  resize(concurrency: number): void {
    this.gate.resize(concurrency);
  }

  protected call(call: TaskCall, options: CallOptions): CallOutcome | Promise<CallOutcome> {
    if (this.coldReason) return Promise.reject(this.coldReason);
    const terminate = options.terminate;
    if (terminate?.aborted) {
      options.abort.abort(terminate.reason);
      return { ok: false, error: terminate.reason };
    }
    const outcome = invokeTask(this.app, call);
    // A function that returned at once cannot have been stopped: nothing to watch.
    if (!(outcome instanceof Promise)) return outcome;
    // An abandoned call's late outcome finds the call settled and is dropped.
    return this.watched(options, { start: (w) => void outcome.then((o) => w.finish(o)) });
  }

  async stop(options: { graceful: boolean }): Promise<void> {
    this.close(options.graceful);
    await this.gate.drained();
  }
}
