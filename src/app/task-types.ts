/**
 * The shapes of tasks: options, hooks, the bound context, and the typed handles `app.task` and
 * `app.remoteTask` return. Mirrors Celery's `@app.task(...)` options, `Task` handler methods and
 * `Task.request` (celery/app/task.py).
 */
import type { Logger } from '../internal/logger.js';
import type { SerializedException } from '../protocol/result-meta.js';
import type { TaskState } from '../protocol/task-state.js';
import type { Chunks, Signature, SignatureOptions } from '../canvas/signature.js';
import type { AsyncResult } from './async-result.js';
import type { ApplyOptions } from './apply-options.js';
import type { RetryOverrides } from './task-control.js';

/**
 * What a failure or retry handler learns about the error (Celery's `ExceptionInfo`, `einfo`).
 */
export interface ExceptionInfo {
  /** What was thrown. */
  exception: unknown;
  /** Its Celery form, as stored in the result backend (`exc_type`, `exc_message`, `exc_module`). */
  serialized: SerializedException;
  /** The stored traceback text (the JS stack, with causes). */
  traceback: string;
}

/**
 * Task handlers (Celery's `Task.before_start`, `on_success`, `on_failure`, `on_retry`,
 * `after_return`). `this` is the run's {@link TaskContext} (Celery's `self`): `this.name`,
 * `this.app`, `this.request`, `this.log`, plus the members of the task's `base`. `args` and
 * `kwargs` are the message's. Handlers may be async; the worker awaits them.
 *
 * Order, as Celery's tracer (celery/app/trace.py): `beforeStart` → the task → store the result →
 * `onSuccess` / `onFailure` / `onRetry` → signals (`taskSuccess` / `taskFailure` / `taskRetry`)
 * → `afterReturn` (not after a retry, reject or ignore) → `taskPostrun`.
 * A `beforeStart` that throws fails the task; any other handler that throws is logged and
 * changes nothing (the state is already stored).
 */
export interface TaskHooks {
  /** Before the task function runs (Celery 5.2's `before_start`). */
  beforeStart?(taskId: string, args: unknown[], kwargs: Record<string, unknown>): void | Promise<void>;
  /** After SUCCESS is stored; `retval` is what the task returned. */
  onSuccess?(retval: unknown, taskId: string, args: unknown[], kwargs: Record<string, unknown>): void | Promise<void>;
  /** After FAILURE is stored; `exc` is what the task threw. */
  onFailure?(exc: unknown, taskId: string, args: unknown[], kwargs: Record<string, unknown>, einfo: ExceptionInfo): void | Promise<void>;
  /** After RETRY is stored and the retry is sent; `exc` is the retry's reason (may be undefined). */
  onRetry?(exc: unknown, taskId: string, args: unknown[], kwargs: Record<string, unknown>, einfo: ExceptionInfo): void | Promise<void>;
  /**
   * After SUCCESS or FAILURE and its handler; `retval` is the return value or the thrown error.
   * `einfo` is the failure's info (Celery 5.2 always passes None here), null on success.
   */
  afterReturn?(
    status: TaskState,
    retval: unknown,
    taskId: string,
    args: unknown[],
    kwargs: Record<string, unknown>,
    einfo: ExceptionInfo | null,
  ): void | Promise<void>;
}

/** Names of the {@link TaskHooks}. */
export type TaskHookName = keyof TaskHooks;

/** An error class `autoretryFor` matches with `instanceof` (`Error` matches every error). */
export type ErrorClass = abstract new (...args: never[]) => unknown;

/**
 * Defaults and handlers shared by several tasks (Celery's custom `Task` base class): every
 * option but `name`, `bind` and `params`, every hook, and any helpers of your own, which the
 * task's context inherits (`this.notify()` in a hook, `ctx.notify()` in a bound task). A class
 * instance works as well as a plain object. Build one with `defineTaskBase` for typed `this`.
 */
export type TaskBase = Omit<TaskOptions, 'name' | 'bind' | 'params'>;

/**
 * Options of `app.task({...}, fn)`; each mirrors the Celery task option of the same snake_case
 * name. Effective options merge, lowest first: the `base` chain, these, then `task_annotations`
 * (the entry for the task's name, then `'*'`, as Celery applies them). Durations are
 * **seconds**, as in Celery.
 * @example
 * ```ts
 * app.task({ name: 'tasks.sync', autoretryFor: [FetchError], retryBackoff: true, maxRetries: 5,
 *            onFailure(exc, taskId) { this.log.error({ err: exc }, `gave up on ${taskId}`); } },
 *          async (url: string) => sync(url));
 * ```
 */
export interface TaskOptions extends TaskHooks {
  /** Registered name, e.g. `tasks.add` (Celery's `name`). Required: JS has no module path to derive it from. */
  name: string;
  /** Pass a {@link TaskContext} as the first argument (Celery's `bind=True`). Default false. */
  bind?: boolean;
  /** Do not store the result (Celery's `ignore_result`). Default: `task_ignore_result`. */
  ignoreResult?: boolean;
  /** Store STARTED when the task begins (Celery's `track_started`). Default: `task_track_started`. */
  trackStarted?: boolean;
  /** Acknowledge after the task returns instead of before it starts (Celery's `acks_late`). Default: `task_acks_late`. */
  acksLate?: boolean;
  /** Serializer for messages of this task (`json`, `msgpack`). Default: `task_serializer`. */
  serializer?: string;
  /** Compression of this task's messages (`zlib`, `gzip`, `brotli`). Default: `task_compression`. */
  compression?: string;
  /** Queue this task is sent to unless the caller says otherwise (Celery's `queue`). */
  queue?: string;
  /**
   * Parameter names, so Python-style keyword arguments land on positions:
   * with `params: ['x', 'y']`, `kwargs {y: 2, x: 1}` calls `fn(1, 2)`. Without it, a non-empty
   * kwargs object is passed as one extra last argument.
   */
  params?: string[];
  /** Shared defaults and handlers merged under these options (Celery's `base=`); see {@link TaskBase}. */
  base?: TaskBase;
  /**
   * Retries `ctx.retry()` may make before the task fails (Celery's `max_retries`); `null` retries
   * forever. Default 3.
   */
  maxRetries?: number | null;
  /** Delay of `ctx.retry()` without `countdown` or `eta`, in **seconds** (Celery's `default_retry_delay`). Default 180. */
  defaultRetryDelay?: number;
  /**
   * Errors that make the worker retry the task by itself (Celery's `autoretry_for`): a thrown
   * error that is an instance of one of these becomes `ctx.retry({ exc })`. Default none.
   */
  autoretryFor?: readonly ErrorClass[];
  /** Options of the automatic retries (Celery's `retry_kwargs`): `countdown` (seconds), `maxRetries`. */
  retryKwargs?: { countdown?: number; maxRetries?: number | null };
  /**
   * Exponential back-off for `autoretryFor` retries (Celery's `retry_backoff`): `true` starts at
   * 1 second, a number at that many **seconds**; the n-th retry waits `base × 2^n` seconds (capped
   * by `retryBackoffMax`, jittered by `retryJitter`). Default false (`defaultRetryDelay`).
   */
  retryBackoff?: boolean | number;
  /** Cap of the back-off, in **seconds** (Celery's `retry_backoff_max`). Default 600. */
  retryBackoffMax?: number;
  /** Full jitter: wait a random whole number of seconds up to the back-off (Celery's `retry_jitter`). Default true. */
  retryJitter?: boolean;
  /**
   * Rate limit (Celery's `rate_limit`): `'10/s'`, `'100/m'`, `'1000/h'` or tasks per second,
   * per worker as in Celery — a task that has to wait stays reserved and runs when its token is
   * due, nothing is dropped. `{ limit: '100/m', scope: 'global' }` shares one limit between all
   * workers of the broker (Redis; sqlite: the processes sharing the file; memory: the process).
   * Default: `task_default_rate_limit` (none). Settable by `task_annotations` (`rate_limit`).
   */
  rateLimit?: TaskRateLimit | null;
  /**
   * Hard time limit in **seconds** (Celery's `time_limit`): the task is ended — its pool thread
   * or child terminated, or an async task abandoned — and fails with `TimeLimitExceeded`.
   * A call's `timeLimit` beats it. Default: `task_time_limit` (none).
   */
  timeLimit?: number | null;
  /**
   * Soft time limit in **seconds** (Celery's `soft_time_limit`): `ctx.signal` is aborted with
   * `SoftTimeLimitExceeded` so the task can stop cleanly. A call's `softTimeLimit` beats it.
   * Default: `task_soft_time_limit` (none).
   */
  softTimeLimit?: number | null;
}

/** A rate limit: Celery's text (`'10/s'`), tasks per second, or with a scope. */
export type TaskRateLimit = string | number | { limit: string | number; scope: 'worker' | 'global' };

/** `ctx.retry()` options (Celery's `Task.retry` arguments). */
export interface RetryOptions extends RetryOverrides {
  /** Why (Celery's `exc`): stored as the RETRY result; rethrown instead of `MaxRetriesExceededError` when retries run out. */
  exc?: unknown;
  /** Run again in this many **seconds** (Celery's unit). Default: the task's `defaultRetryDelay` (180). */
  countdown?: number;
  /** Run again at this time (instead of `countdown`). */
  eta?: Date;
  /** Override the task's `maxRetries` for this call; `null` means no limit. */
  maxRetries?: number | null;
  /** Retry with other positional arguments (default: the same). */
  args?: unknown[];
  /** Retry with other keyword arguments (default: the same). */
  kwargs?: Record<string, unknown>;
}

/** What a bound task sees of the message that started it (Celery's `self.request`). */
export interface TaskRequest {
  id: string;
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  retries: number;
  /** Absolute ETA as sent (ISO text), or null. */
  eta: string | null;
  /** Absolute expiry as sent (ISO text), or null. */
  expires: string | null;
  /** Node name of the worker running it (`w1@host`). */
  hostname: string;
  deliveryInfo: { exchange: string; routingKey: string; priority: number | null; redelivered: boolean };
  parentId: string | null;
  rootId: string;
  correlationId: string;
  group: string | null;
  groupIndex: number | null;
  /** Every header of the message, including custom ones. */
  headers: Record<string, unknown>;
  /** True when the task was called directly (`add(2, 3)`) rather than from a message. */
  calledDirectly: boolean;
}

/**
 * First argument of a bound task, `this` of its handlers, and `task` in task signals (Celery's
 * bound `self`). It inherits the members of the task's `base`.
 */
export interface TaskContext {
  /** The registered task name. */
  readonly name: string;
  /** The effective options (base, own, annotations merged). */
  readonly options: Readonly<TaskOptions>;
  readonly request: TaskRequest;
  /** A logger whose lines carry the task name and id. */
  readonly log: Logger;
  /** The app the task belongs to (to send other tasks). */
  readonly app: import('./celery.js').Celery;
  /** Aborted when the task is revoked with terminate or the worker shuts down cold. */
  readonly signal: AbortSignal;
  /**
   * Retry the task (Celery's `self.retry()`): the worker stores RETRY with `exc`, republishes the
   * same task id with `retries + 1` and an ETA `countdown` **seconds** from now (default the
   * task's `defaultRetryDelay`, 180 s), parent id = this task's id, same root id, queue and
   * priority, and stores nothing else for this run. Never returns: it throws a `Retry`
   * the worker recognises (do not swallow it). Call it as `ctx.retry(...)`, not detached.
   * @throws Retry normally.
   * @throws `options.exc` or MaxRetriesExceededError when `retries` would exceed `maxRetries`
   *   (the task then fails with it); `options.exc` (or a Retry) when the task was called directly.
   * @example
   * ```ts
   * app.task({ name: 'tasks.fetch', bind: true, maxRetries: 5 }, async (ctx, url: string) => {
   *   try { return await fetchIt(url); } catch (exc) { ctx.retry({ exc, countdown: 60 }); }
   * });
   * ```
   */
  retry(options?: RetryOptions): never;
}

/**
 * The arguments a partial signature may hold: any tail of the task's parameters, since the
 * arguments applied later (a chain's previous result) are prepended, as in Celery.
 */
export type ArgsSuffix<A extends unknown[]> = A | (A extends [unknown, ...infer Rest] ? ArgsSuffix<Rest> : never);

/** The canvas methods of a task handle (Celery's `Task.s`, `si`, `signature`, `map`, `starmap`, `chunks`). */
export interface TaskSignatures<A extends unknown[], R> {
  /**
   * A signature with partial arguments (Celery's `task.s()`): `mul.s(8)` in a chain becomes
   * `mul(previousResult, 8)`.
   * @example chain(add.s(2, 2), mul.s(8)).applyAsync() // (2 + 2) * 8
   */
  s(...args: ArgsSuffix<A>): Signature<R>;
  /** An immutable signature (Celery's `task.si()`): the previous result is not passed to it. */
  si(...args: A): Signature<R>;
  /** A signature with arguments, keyword arguments and options (Celery's `task.signature(args, kwargs, **options)`). */
  signature(args?: ArgsSuffix<A>, kwargs?: Record<string, unknown>, options?: SignatureOptions): Signature<R>;
  /** One `celery.map` task calling this task with each item in turn, in one worker (Celery's `task.map`). */
  map(items: A[0][]): Signature<R[]>;
  /** One `celery.starmap` task calling this task with each argument tuple in turn (Celery's `task.starmap`). */
  starmap(items: A[]): Signature<R[]>;
  /** The argument tuples in parts of `n`, each part a `celery.starmap` task, all parts a group (Celery's `task.chunks`). */
  chunks(items: A[], n: number): Chunks<R>;
}

/** A handle to send a task by name with typed arguments and result. */
export interface TaskSender<A extends unknown[], R> extends TaskSignatures<A, R> {
  readonly name: string;
  /** Send with positional arguments (Celery's `delay`). Resolves once the broker has the message. */
  delay(...args: A): Promise<AsyncResult<R>>;
  /**
   * Send with arguments, keyword arguments and options (Celery's `apply_async`). Positional
   * arguments may be partial: keyword arguments can fill the rest (see `TaskOptions.params`).
   * @throws CeleriacError when the broker cannot be reached or the message cannot be encoded.
   */
  applyAsync(args?: Partial<A>, kwargs?: Record<string, unknown>, options?: ApplyOptions): Promise<AsyncResult<R>>;
}

/**
 * A registered task: callable locally (`add(2, 3)` runs the function in this process, as in
 * Celery), and sendable to a worker (`add.delay(2, 3)`).
 */
export type Task<A extends unknown[], R> = ((...args: A) => R) &
  TaskSender<A, Awaited<R>> & {
    readonly options: Readonly<TaskOptions>;
    /**
     * Run it now in this process as a worker would — handlers, signals, retries run again at
     * once — and get a result handle (Celery's `Task.apply`; `applyAsync` does this under
     * `task_always_eager`).
     * @throws what the task threw, with `task_eager_propagates`.
     */
    apply(args?: Partial<A>, kwargs?: Record<string, unknown>, options?: ApplyOptions): Promise<AsyncResult<Awaited<R>>>;
  };

/** A typed stub for a task implemented elsewhere (another service, another language). */
export type RemoteTask<A extends unknown[], R> = TaskSender<A, Awaited<R>>;

/** What the registry keeps for each task: the function and its effective options, untyped. */
export interface RegisteredTask {
  readonly name: string;
  /** Effective options: base chain, own options, `task_annotations` (resolved on first read). */
  readonly options: Readonly<TaskOptions>;
  /** The user's function; with `bind`, its first argument is a {@link TaskContext}. */
  readonly fn: (...args: never[]) => unknown;
}
