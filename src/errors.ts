/**
 * Error classes with stable codes. Every error celeriac throws is a {@link CeleriacError};
 * subclasses exist only where callers branch on them. Codes are listed in
 * `docs/reference/errors.md` and never change meaning once released.
 */

/** Stable machine-readable error codes. */
export type ErrorCode =
  | 'CONFIG_UNKNOWN_SETTING'
  | 'CONFIG_INVALID'
  | 'BAD_URL'
  | 'UNSUPPORTED_TRANSPORT'
  | 'UNSUPPORTED_BACKEND'
  | 'DECODE_ERROR'
  | 'ENCODE_ERROR'
  | 'CONTENT_DISALLOWED'
  | 'INVALID_TASK_MESSAGE'
  | 'NOT_REGISTERED'
  | 'DUPLICATE_TASK'
  | 'BACKEND_DISABLED'
  | 'BACKEND_CLOSED'
  | 'BACKEND_ERROR'
  | 'RESULT_TIMEOUT'
  | 'TASK_FAILED'
  | 'TASK_REVOKED'
  | 'TRANSPORT_CLOSED'
  | 'TRANSPORT_ERROR'
  | 'APP_LOAD_FAILED'
  | 'USAGE'
  | 'TASK_RETRY'
  | 'TASK_REJECT'
  | 'TASK_IGNORE'
  | 'MAX_RETRIES_EXCEEDED'
  | 'SOFT_TIME_LIMIT_EXCEEDED'
  | 'TIME_LIMIT_EXCEEDED'
  | 'WORKER_LOST'
  | 'CANVAS_INVALID'
  | 'QUEUE_NOT_FOUND';

/** Base class of every error celeriac throws: a stable `code`, a message, an optional `cause`. */
export class CeleriacError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A setting name that celeriac does not know; `suggestion` is the nearest known name, if any. */
export class UnknownSettingError extends CeleriacError {
  constructor(
    readonly setting: string,
    readonly suggestion: string | undefined,
  ) {
    super(
      'CONFIG_UNKNOWN_SETTING',
      `unknown setting '${setting}'` + (suggestion ? ` (did you mean '${suggestion}'?)` : ''),
    );
  }
}

/** A message could not be decoded (bad JSON, wrong body shape, missing headers...). */
export class DecodeError extends CeleriacError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DECODE_ERROR', message, options);
  }
}

/**
 * A value could not be serialized for the wire — kombu's `EncodeError` (e.g. a `Buffer` given to
 * the JSON serializer, which kombu 5.2 also refuses), or an unknown serializer/compression name.
 */
export class EncodeError extends CeleriacError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ENCODE_ERROR', message, options);
  }
}

/** A message's content type is not in `accept_content` (Celery's `ContentDisallowed`). */
export class ContentDisallowedError extends CeleriacError {
  constructor(readonly contentType: string) {
    super('CONTENT_DISALLOWED', `refusing to deserialize content of type '${contentType}'`);
  }
}

/** A task name with no registered implementation (Celery's `NotRegistered`). */
export class NotRegisteredError extends CeleriacError {
  constructor(readonly taskName: string) {
    super('NOT_REGISTERED', `task '${taskName}' is not registered`);
  }
}

/**
 * Raised when reading results with no result backend configured — Celery's
 * `DisabledBackend` case (seed 002): set `result_backend` to fix it.
 */
export class BackendDisabledError extends CeleriacError {
  constructor() {
    super(
      'BACKEND_DISABLED',
      'no result backend is configured: set result_backend (e.g. sqlite:///results.db) to read task results',
    );
  }
}

/** `AsyncResult.get({ timeout })` gave up waiting (Celery's `TimeoutError`). */
export class ResultTimeoutError extends CeleriacError {
  constructor(
    readonly taskId: string,
    readonly timeoutMs: number,
  ) {
    super('RESULT_TIMEOUT', `result of task ${taskId} not ready after ${timeoutMs} ms`);
  }
}

/**
 * A task ended in FAILURE. Carries Celery's exception triple as stored in the result backend,
 * so an error raised by a Python task (`ValueError('boom')`) arrives as
 * `excType: 'ValueError'`, `excMessage: ['boom']`, `excModule: 'builtins'`.
 */
export class TaskFailedError extends CeleriacError {
  constructor(
    readonly taskId: string,
    readonly excType: string,
    readonly excMessage: unknown[],
    readonly excModule: string | undefined,
    readonly remoteTraceback: string | null,
  ) {
    super('TASK_FAILED', `${excType}(${excMessage.map((m) => JSON.stringify(m)).join(', ')})`);
  }
}

/**
 * A chord failed (Celery's `celery.exceptions.ChordError`, what `get()` of the chord's result
 * throws): a header task failed — `failedTaskId` names it, the message is Celery's
 * `Dependency <id> raised <error>` — or the body could not be applied.
 */
export class ChordError extends TaskFailedError {
  /** The header task whose failure failed the chord, when the message names one. */
  readonly failedTaskId: string | null;
  constructor(taskId: string, excMessage: unknown[], excModule: string | undefined, remoteTraceback: string | null) {
    super(taskId, 'ChordError', excMessage, excModule, remoteTraceback);
    const first = excMessage[0];
    const match = typeof first === 'string' ? /^Dependency (\S+) raised /.exec(first) : null;
    this.failedTaskId = match?.[1] ?? null;
  }
}

/** A task was revoked (or expired) before it could run; Celery's `TaskRevokedError`. */
export class TaskRevokedError extends CeleriacError {
  constructor(
    readonly taskId: string,
    readonly reason: string,
  ) {
    super('TASK_REVOKED', `task ${taskId} was revoked (${reason})`);
  }
}

/**
 * The task's soft time limit passed (`softTimeLimit`, `task_soft_time_limit`): the worker aborts
 * `ctx.signal` with this error as its reason, so `signal.throwIfAborted()`, `fetch(url, { signal })`
 * and the like throw it inside the task, which may catch it to clean up. A task that lets it
 * escape fails with it, stored as Celery stores it: `SoftTimeLimitExceeded()` from
 * `billiard.exceptions` (re-exported by `celery.exceptions`).
 */
export class SoftTimeLimitExceeded extends CeleriacError {
  readonly excModule = 'billiard.exceptions';
  /** Python's `exc.args`: none, as billiard raises it. */
  readonly args: [] = [];
  constructor(readonly limitSeconds: number) {
    super('SOFT_TIME_LIMIT_EXCEEDED', `soft time limit (${limitSeconds}s) exceeded`);
  }
}

/**
 * The task's hard time limit passed (`timeLimit`, `task_time_limit`): the threads and processes
 * pools terminate the thread or child running it; the async pool abandons it (see
 * docs/pools.md). The task fails with this error, stored as Celery stores it:
 * `TimeLimitExceeded(<seconds>)` from `billiard.exceptions`.
 */
export class TimeLimitExceeded extends CeleriacError {
  readonly excModule = 'billiard.exceptions';
  /** Python's `exc.args`: the limit in seconds, as Celery stores it. */
  readonly args: [number];
  constructor(readonly limitSeconds: number) {
    super('TIME_LIMIT_EXCEEDED', `TimeLimitExceeded(${limitSeconds})`);
    this.args = [limitSeconds];
  }
}

/**
 * The pool thread or child process running a task ended before the task did (it crashed, ran
 * out of memory, called `process.exit`, or was killed from outside). Stored as billiard's
 * `WorkerLostError`, as Celery's prefork pool does.
 */
export class WorkerLostError extends CeleriacError {
  readonly excModule = 'billiard.exceptions';
  constructor(message: string) {
    super('WORKER_LOST', message);
  }
}
