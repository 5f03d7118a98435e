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
  | 'MAX_RETRIES_EXCEEDED';

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

/** A task was revoked (or expired) before it could run; Celery's `TaskRevokedError`. */
export class TaskRevokedError extends CeleriacError {
  constructor(
    readonly taskId: string,
    readonly reason: string,
  ) {
    super('TASK_REVOKED', `task ${taskId} was revoked (${reason})`);
  }
}
