/**
 * A handle on a task's outcome, read from the result backend (Celery's
 * `celery.result.AsyncResult`). Celery reads `state` with a blocking call; here every read is a
 * promise: `await r.state`, `await r.ready()`, `await r.get({ timeoutMs: 10_000 })`.
 */
import type { ResultBackend, WaitOptions } from '../backends/backend.js';
import type { Control, RevokeOptions } from '../control/control.js';
import { BackendDisabledError, CeleriacError, TaskRevokedError } from '../errors.js';
import { deserializeError } from '../protocol/exception-codec.js';
import type { ResultMeta, SerializedException } from '../protocol/result-meta.js';
import { PROPAGATE_STATES, READY_STATES, type TaskState } from '../protocol/task-state.js';
import type { GroupResult } from './group-result.js';

export interface GetOptions {
  /** Give up after this many milliseconds (throws `ResultTimeoutError`). Also accepted as `timeout`. Default: wait forever. */
  timeoutMs?: number;
  /** Alias of `timeoutMs`, in milliseconds (the issue text's `get({ timeout: 10_000 })`). */
  timeout?: number;
  /** Rethrow a FAILURE/REVOKED outcome as an error (default true, as Celery's `propagate`). */
  propagate?: boolean;
  /** Poll interval in milliseconds for backends that must poll (Celery's `interval`, there in seconds). */
  intervalMs?: number;
  /** Alias of `intervalMs`, in milliseconds. */
  interval?: number;
  signal?: AbortSignal;
}

/**
 * Gives the started result backend, or null when none is configured — reads then throw
 * {@link BackendDisabledError} (Celery's `DisabledBackend`, seed 002).
 */
export type BackendSource = () => Promise<ResultBackend | null>;

/**
 * How the task's message publish ended, when the broker had not confirmed it yet as the task was
 * sent (`confirm_publish` false): rejects with the error that lost it. Undefined: nothing to wait for.
 */
export type PublishOutcomeSource = (taskId: string) => Promise<void> | undefined;

export class AsyncResult<R = unknown> {
  /**
   * The result of the step before this one, when this handle comes from a chain or chord
   * (Celery's `AsyncResult.parent`): walk it back to the first step. Null otherwise.
   */
  parent: AsyncResult | GroupResult | null = null;

  /**
   * Usually made by `delay` / `applyAsync` / `app.asyncResult(id)` rather than directly.
   * @param id task id
   * @param backendSource where to read results from
   */
  constructor(
    readonly id: string,
    private readonly backendSource: BackendSource,
    /** The app's remote control, for {@link revoke}; absent on results not made by an app. */
    private readonly controlSource?: () => Control,
    /** The app producer's record of unconfirmed publishes, so `get()` fails when the message was lost. */
    private readonly publishOutcome?: PublishOutcomeSource,
  ) {}

  private async requireBackend(): Promise<ResultBackend> {
    const backend = await this.backendSource();
    if (!backend) throw new BackendDisabledError();
    return backend;
  }

  /** The stored meta (PENDING when nothing is stored). @throws BackendDisabledError */
  async meta(): Promise<ResultMeta> {
    return (await this.requireBackend()).getMeta(this.id);
  }

  /** PENDING, RECEIVED, STARTED, SUCCESS, FAILURE, RETRY or REVOKED. @throws BackendDisabledError */
  get state(): Promise<TaskState> {
    return this.meta().then((m) => m.status);
  }

  /** Celery's alias of `state`. */
  get status(): Promise<TaskState> {
    return this.state;
  }

  /** The return value, or the serialized exception for FAILURE/RETRY/REVOKED (Celery's `result` / `info`). */
  get result(): Promise<unknown> {
    return this.meta().then((m) => m.result);
  }

  /** Alias of {@link result}. */
  get info(): Promise<unknown> {
    return this.result;
  }

  /** The traceback text of a failed task, or null. */
  get traceback(): Promise<string | null> {
    return this.meta().then((m) => m.traceback);
  }

  /** True once the task is SUCCESS, FAILURE or REVOKED. */
  async ready(): Promise<boolean> {
    return READY_STATES.has(await this.state);
  }

  async successful(): Promise<boolean> {
    return (await this.state) === 'SUCCESS';
  }

  async failed(): Promise<boolean> {
    return (await this.state) === 'FAILURE';
  }

  /**
   * Wait for the task to finish and return its value.
   * @throws TaskFailedError (with Celery's `excType` / `excMessage` / `excModule` and the remote
   *   traceback) when it failed and `propagate` is not false.
   * @throws TaskRevokedError when it was revoked or expired and `propagate` is not false.
   * @throws ResultTimeoutError after the timeout.
   * @throws BackendDisabledError when the app has no result backend.
   * @throws CeleriacError `TRANSPORT_ERROR` when the task's message was lost after `delay()`
   *   resolved unconfirmed (`confirm_publish` false): the task was never sent.
   */
  async get(options: GetOptions = {}): Promise<R> {
    const backend = await this.requireBackend();
    const waitOptions = {
      timeoutMs: options.timeoutMs ?? options.timeout,
      intervalMs: options.intervalMs ?? options.interval,
      signal: options.signal,
    };
    const published = this.publishOutcome?.(this.id);
    const meta = published === undefined ? await backend.waitForReady(this.id, waitOptions) : await waitUnlessLost(backend, this.id, waitOptions, published);
    return this.outcome(meta, options.propagate ?? true);
  }

  /** Celery's older name for {@link get}. */
  wait(options: GetOptions = {}): Promise<R> {
    return this.get(options);
  }

  /**
   * Revoke this task (Celery's `AsyncResult.revoke`): see `app.control.revoke`.
   * @throws CeleriacError `USAGE` on a result made without an app; `TRANSPORT_ERROR` when the broker fails.
   */
  async revoke(options: RevokeOptions = {}): Promise<void> {
    if (!this.controlSource) throw new CeleriacError('USAGE', 'this AsyncResult has no app to revoke through: use app.asyncResult(id)');
    await this.controlSource().revoke(this.id, options);
  }

  /** Delete the stored result (Celery's `forget`). */
  async forget(): Promise<void> {
    await (await this.requireBackend()).forget(this.id);
  }

  private outcome(meta: ResultMeta, propagate: boolean): R {
    if (propagate && PROPAGATE_STATES.has(meta.status)) {
      const exc = meta.result as SerializedException | null;
      if (meta.status === 'REVOKED') {
        const first = Array.isArray(exc?.exc_message) ? exc.exc_message[0] : undefined;
        const reason = typeof first === 'string' ? first : 'revoked';
        throw new TaskRevokedError(this.id, reason);
      }
      throw deserializeError(
        exc ?? { exc_type: 'Error', exc_message: ['unknown failure'], exc_module: 'builtins' },
        this.id,
        meta.traceback,
      );
    }
    return meta.result as R;
  }

  /** Celery's `as_tuple()`: `[[id, parent tuple or null], null]`, the form stored in `children` and saved groups. */
  asTuple(): ResultTuple {
    return [[this.id, this.parent ? this.parent.asTuple() : null], null];
  }

  toString(): string {
    return this.id;
  }
}

/** Wait for the result, but fail (and stop waiting) when the task's message turns out lost. */
async function waitUnlessLost(backend: ResultBackend, taskId: string, options: WaitOptions, published: Promise<void>): Promise<ResultMeta> {
  const lost = new AbortController();
  const signal = options.signal === undefined ? lost.signal : AbortSignal.any([options.signal, lost.signal]);
  const waiting = backend.waitForReady(taskId, { ...options, signal });
  const failed = published.then(
    () => waiting,
    (error: unknown) => {
      lost.abort(error);
      throw error;
    },
  );
  waiting.catch(() => undefined); // when the publish failed, `failed` carries the error
  return Promise.race([waiting, failed]);
}

/** Celery's tuple form of a result: a task `[[id, parent], null]`, a group `[[id, parent], [members]]`. */
export type ResultTuple = [[string, ResultTuple | null], ResultTuple[] | null];
