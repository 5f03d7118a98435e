/**
 * The pool seam: where task functions run (Celery's `-P` pools, celery/concurrency/).
 * - `async` (default): on this process's event loop;
 * - `threads`: in worker_threads, each with its own copy of the app;
 * - `processes`: in child processes (Celery's prefork), each with its own copy of the app.
 *
 * A pool hands out *slots* (Celery's `-c`): the worker runs a whole request — result storing,
 * handlers, acks — while holding one, and only the task function itself goes through
 * {@link PoolSlot.call}, so the parent keeps the broker connection, the acks and the results.
 * Waiting requests queue in one FIFO shared by all slots, so no task waits behind a long one
 * while a slot is free (Celery's `-O fair`).
 */
import type { RegisteredTask, TaskContext, TaskRequest } from '../../app/task-types.js';
import type { AbortListener } from '../../internal/lazy-abort-controller.js';

/** Pool kinds, Celery's `-P` (`prefork` is read as `processes`; `solo`, `eventlet`, `gevent` as `async`). */
export type PoolKind = 'async' | 'threads' | 'processes';

/** One task function call: what a slot runs. */
export interface TaskCall {
  /** The registered task; in-process pools call it, others call the task of the same name in their own copy of the app. */
  readonly task: RegisteredTask;
  readonly id: string;
  readonly rootId: string;
  /** Positional and keyword arguments as the message carries them. */
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
  /** The context a bound task receives, built with `abort.signal` (the runner's handlers see the same one). */
  context(): TaskContext;
  /** What `ctx.request` shows, for pools that build their own context in another thread or process. */
  request(): TaskRequest;
}

/** What a pool needs of the worker's per-request switch (a `LazyAbortController`). */
export interface TerminateSource {
  readonly aborted: boolean;
  readonly reason: unknown;
  addListener(listener: AbortListener): void;
  removeListener(listener: AbortListener): void;
}

/** Time limits and cancellation of one call. */
export interface CallOptions {
  /**
   * Ends the call now when aborted (the worker's per-request switch; `revoke(terminate)` and
   * `Worker.abortTask` use it): the call settles at once with `{ ok: false, error: reason }`;
   * a thread or child running it is terminated and replaced, an async call is abandoned.
   */
  terminate?: TerminateSource;
  /**
   * Behind `ctx.signal`. The pool aborts it with `SoftTimeLimitExceeded` at the soft limit,
   * with `TimeLimitExceeded` at the hard limit, and with the reason of `terminate` (only the
   * first abort counts, as with AbortController).
   */
  abort: { abort(reason?: unknown): void };
  /** Hard limit in ms (Celery's `time_limit`, seconds there); null: none. */
  timeLimitMs: number | null;
  /** Soft limit in ms (Celery's `soft_time_limit`); null: none. */
  softTimeLimitMs: number | null;
}

/**
 * How a call ended: the function returned `value`, or threw `error` (including the control
 * values `Retry`, `Reject`, `Ignore`, and `TimeLimitExceeded` when the hard limit ended it).
 * Pools that run the function elsewhere rebuild errors from their serialised form: same name,
 * message, Celery exception triple and traceback, and real `Retry` / `Reject` / `Ignore` objects.
 */
export type CallOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** A slot a job holds. */
export interface PoolSlot {
  /**
   * Run the task function. The async pool answers synchronously when the function returned a
   * non-promise (no promise made on that hot path); otherwise a promise.
   * @throws PoolStoppedError (rejects with it) when the pool was stopped cold while the call ran
   *   (nothing to store).
   */
  call(call: TaskCall, options: CallOptions): CallOutcome | Promise<CallOutcome>;
}

/** Pool counters (Celery's `inspect stats` `pool` section). */
export interface PoolStats {
  /** Threads or child processes started since `start()` (0 for async). */
  spawned: number;
  /** Replaced after `maxTasksPerChild` or `maxMemoryPerChild`. */
  recycled: number;
  /** Terminated at a hard time limit or by `terminate`. */
  killed: number;
  /** Died on their own mid-task (`WorkerLostError`). */
  lost: number;
}

export interface Pool {
  readonly kind: PoolKind;
  /** Slots now (Celery's `-c`; changes under autoscale). */
  readonly concurrency: number;
  /** Jobs holding a slot. */
  readonly active: number;
  /** Jobs waiting for a slot. */
  readonly waiting: number;
  readonly stats: PoolStats;
  /**
   * Start threads or children (each loads the app and sends `worker_process_init`) and resolve
   * when they are ready. Idempotent.
   * @throws CeleriacError('APP_LOAD_FAILED') when a thread or child cannot load the app.
   */
  start(): Promise<void>;
  /** Run `job` when a slot is free; the promise settles with the job's. */
  run<T>(job: (slot: PoolSlot) => Promise<T>): Promise<T>;
  /** Change the number of slots (autoscale). Shrinking lets running jobs finish. */
  resize(concurrency: number): void;
  /** Resolves when nothing is running or waiting. */
  drained(): Promise<void>;
  /**
   * Stop. Jobs still waiting are dropped (rejected with `PoolStoppedError`; their messages stay
   * unacked and go back to the queue). `graceful`: wait for running jobs, then let threads or
   * children exit; otherwise end running calls at once (`PoolStoppedError`) and kill them.
   * Idempotent.
   */
  stop(options: { graceful: boolean }): Promise<void>;
}

/** The rejection of a job that was still waiting when the pool stopped (it never ran), or of a call a cold stop ended. */
export class PoolStoppedError extends Error {
  constructor(message = 'the pool stopped before this job started') {
    super(message);
    this.name = 'PoolStoppedError';
  }
}
