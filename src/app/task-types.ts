/**
 * The shapes of tasks: options, the bound context, and the typed handles `app.task` and
 * `app.remoteTask` return. Mirrors Celery's `@app.task(...)` options and `Task.request`
 * (celery/app/task.py `Context`).
 */
import type { Logger } from '../internal/logger.js';
import type { AsyncResult } from './async-result.js';
import type { ApplyOptions } from './apply-options.js';

/** Options of `app.task({...}, fn)`; each mirrors the Celery task option of the same snake_case name. */
export interface TaskOptions {
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
  /** Serializer for messages of this task (`json`). Default: `task_serializer`. */
  serializer?: string;
  /** Queue this task is sent to unless the caller says otherwise (Celery's `queue`). */
  queue?: string;
  /**
   * Parameter names, so Python-style keyword arguments land on positions:
   * with `params: ['x', 'y']`, `kwargs {y: 2, x: 1}` calls `fn(1, 2)`. Without it, a non-empty
   * kwargs object is passed as one extra last argument.
   */
  params?: string[];
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

/** First argument of a bound task. */
export interface TaskContext {
  request: TaskRequest;
  /** A logger whose lines carry the task name and id. */
  log: Logger;
  /** The app the task belongs to (to send other tasks). */
  app: import('./celery.js').Celery;
  /** Aborted when the task is revoked with terminate or the worker shuts down cold. */
  signal: AbortSignal;
}

/** A handle to send a task by name with typed arguments and result. */
export interface TaskSender<A extends unknown[], R> {
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
  };

/** A typed stub for a task implemented elsewhere (another service, another language). */
export type RemoteTask<A extends unknown[], R> = TaskSender<A, Awaited<R>>;

/** What the registry keeps for each task: the function and its options, untyped. */
export interface RegisteredTask {
  name: string;
  options: Readonly<TaskOptions>;
  /** The user's function; with `bind`, its first argument is a {@link TaskContext}. */
  fn: (...args: never[]) => unknown;
}
