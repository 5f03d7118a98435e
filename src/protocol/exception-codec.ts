/**
 * JavaScript errors ⇄ Celery's serialized exception `{exc_type, exc_message, exc_module}`
 * (celery-protocol.md §6.3; `BaseBackend.prepare_exception` / `exception_to_python`), the value
 * stored as the result of a FAILURE, RETRY or REVOKED task.
 *
 * How Python reads what we write: `exception_to_python` looks `exc_module` up in `sys.modules` —
 * it never imports — then walks `exc_type` in it; when the module is not loaded or has no such
 * name it builds a stand-in exception class named `exc_type` (`create_exception_cls`, placed in
 * `celery.exceptions`) and constructs it with `*exc_message`. (Checked against Celery 5.2.6:
 * `Error('boom')` reads back in Python as a stand-in `Error('boom')`, `TypeError` as the builtin.) So a JS error becomes a readable Python exception either way,
 * and celeriac chooses the module deliberately:
 * - `builtins` only for JS names that are also Python builtins with a compatible meaning
 *   ({@link PYTHON_BUILTIN_ERROR_NAMES}), so `except TypeError:` works in a Python client;
 * - otherwise {@link CELERIAC_EXC_MODULE} (`celeriac.errors`), a module no Python process has
 *   loaded, which yields a stand-in class carrying the JS name (`RangeError`, `MyAppError`) rather
 *   than a wrong Python class (JS `RangeError` is not Python's `ValueError`, and JS's
 *   `ReferenceError` means something else than Python's).
 */
import { inspect, types } from 'node:util';
import { ChordError, NotRegisteredError, TaskFailedError, TaskRevokedError } from '../errors.js';
import type { SerializedException } from './result-meta.js';

/** `exc_module` written for errors that have no Python counterpart (see the module comment). */
export const CELERIAC_EXC_MODULE = 'celeriac.errors';

/**
 * JS error names written with `exc_module: 'builtins'`: Python has a builtin exception of the same
 * name and a compatible meaning, and its constructor accepts any arguments.
 */
export const PYTHON_BUILTIN_ERROR_NAMES: ReadonlySet<string> = new Set([
  'TypeError',
  'SyntaxError',
  'TimeoutError',
]);

/** Module of Celery's own exceptions (`TaskRevokedError`, `NotRegistered`). */
const CELERY_EXCEPTIONS_MODULE = 'celery.exceptions';

/** How many `cause` links {@link formatTraceback} follows. */
const MAX_CAUSE_DEPTH = 5;

/**
 * An error's Celery form.
 * - `exc_type`: the error's `name`, or its constructor's name when `name` is the inherited
 *   `'Error'` (a `class MyError extends Error {}` that never sets `name`); a plain
 *   `new Error('boom')` gives `'Error'`.
 * - `exc_message`: Python's `exc.args`: the error's own `args` array when it has one (so
 *   `Object.assign(new Error(), { args: ['custom boom', 42] })` round-trips like Python's
 *   `CustomError('custom boom', 42)`), else `[message]`, or `[]` for an empty message. Items JSON
 *   cannot hold become their string form (Celery's `ensure_serializable`).
 * - `exc_module`: the error's own string `excModule` property when set (the escape hatch to emit a
 *   real Python class, e.g. `excModule = 'builtins'` on an error named `ValueError`), else
 *   `builtins` for {@link PYTHON_BUILTIN_ERROR_NAMES}, else {@link CELERIAC_EXC_MODULE}.
 *
 * celeriac's mirrors of Celery exceptions keep Celery's form: {@link TaskFailedError} (an
 * exception read back from a backend) re-serializes to its original triple, {@link TaskRevokedError}
 * to `TaskRevokedError(reason)` and {@link NotRegisteredError} to `NotRegistered(name)` in
 * `celery.exceptions`. A thrown non-error (`throw 'boom'`, `throw { code: 1 }`) becomes
 * `exc_type: 'Error'` with the value as its single argument.
 *
 * @example serializeError(new TypeError('x is not a function'))
 * // → { exc_type: 'TypeError', exc_message: ['x is not a function'], exc_module: 'builtins' }
 */
export function serializeError(err: unknown): SerializedException {
  if (err instanceof TaskRevokedError) {
    return { exc_type: 'TaskRevokedError', exc_message: [err.reason], exc_module: CELERY_EXCEPTIONS_MODULE };
  }
  if (err instanceof NotRegisteredError) {
    return { exc_type: 'NotRegistered', exc_message: [err.taskName], exc_module: CELERY_EXCEPTIONS_MODULE };
  }
  if (err instanceof TaskFailedError) {
    return {
      exc_type: err.excType,
      exc_message: err.excMessage.map(jsonSafe),
      exc_module: err.excModule ?? CELERIAC_EXC_MODULE,
    };
  }
  if (!isError(err)) {
    return {
      exc_type: 'Error',
      exc_message: err === undefined || err === null ? [] : [jsonSafe(err)],
      exc_module: CELERIAC_EXC_MODULE,
    };
  }
  const excType = errorTypeName(err);
  const own = err as Error & { args?: unknown; excModule?: unknown };
  const excMessage = Array.isArray(own.args)
    ? (own.args as unknown[]).map(jsonSafe)
    : err.message === ''
      ? []
      : [err.message];
  const excModule =
    typeof own.excModule === 'string' && own.excModule !== ''
      ? own.excModule
      : PYTHON_BUILTIN_ERROR_NAMES.has(excType)
        ? 'builtins'
        : CELERIAC_EXC_MODULE;
  return { exc_type: excType, exc_message: excMessage, exc_module: excModule };
}

/**
 * The text stored as a failed task's `traceback`: the JS stack (`err.stack`), followed by each
 * `cause` (up to five deep) under a `Caused by:` line, since Node's `stack` omits them. A
 * non-error throwable gives one `Error: <value>` line. The text is not Python-formatted; Celery
 * stores and shows the traceback as opaque text.
 */
export function formatTraceback(err: unknown): string {
  if (!isError(err)) return `Error: ${describe(err)}`;
  let text = stackOf(err);
  let cause: unknown = err.cause;
  for (let depth = 0; cause !== undefined && depth < MAX_CAUSE_DEPTH; depth++) {
    text += `\nCaused by: ${isError(cause) ? stackOf(cause) : describe(cause)}`;
    cause = isError(cause) ? cause.cause : undefined;
  }
  return text;
}

/**
 * The error to throw for a stored exception (what `AsyncResult.get()` raises):
 * `TaskRevokedError` (reason = first argument, default `'revoked'`) for Celery's
 * `TaskRevokedError`, otherwise a {@link TaskFailedError} carrying `excType`, `excMessage`,
 * `excModule` and the remote traceback. Tolerant of values Python writes loosely: a non-list
 * `exc_message` becomes its single argument (Celery calls `cls(exc_msg)`), a missing one `[]`.
 *
 * @param exc the stored `result` of a FAILURE/REVOKED meta
 * @param taskId the task the result belongs to
 * @param traceback the stored `traceback`, or null
 */
export function deserializeError(
  exc: SerializedException,
  taskId: string,
  traceback: string | null,
): TaskFailedError | TaskRevokedError {
  const loose: Partial<Record<keyof SerializedException, unknown>> =
    typeof exc === 'object' && exc !== null ? exc : { exc_message: [exc] };
  const rawMessage = loose.exc_message;
  const excMessage = Array.isArray(rawMessage)
    ? (rawMessage as unknown[])
    : rawMessage === undefined || rawMessage === null
      ? []
      : [rawMessage];
  const excType = typeof loose.exc_type === 'string' && loose.exc_type !== '' ? loose.exc_type : 'Error';
  if (excType === 'TaskRevokedError') {
    const reason = excMessage[0];
    const text = reason === undefined || reason === null ? 'revoked' : typeof reason === 'string' ? reason : JSON.stringify(reason);
    return new TaskRevokedError(taskId, text);
  }
  const excModule = typeof loose.exc_module === 'string' ? loose.exc_module : undefined;
  if (excType === 'ChordError') return new ChordError(taskId, excMessage, excModule, traceback);
  return new TaskFailedError(taskId, excType, excMessage, excModule, traceback);
}

/** True when `value` has the shape of a serialized exception (a FAILURE/RETRY/REVOKED result). */
export function isSerializedException(value: unknown): value is SerializedException {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.exc_type === 'string' && 'exc_message' in candidate;
}

function isError(value: unknown): value is Error {
  // isNativeError also catches errors from other realms (vm contexts), where instanceof fails.
  return value instanceof Error || types.isNativeError(value);
}

function errorTypeName(err: Error): string {
  const name = typeof err.name === 'string' ? err.name : '';
  if (name !== '' && name !== 'Error') return name;
  const ctorName = (err.constructor as { name?: unknown } | undefined)?.name;
  return typeof ctorName === 'string' && ctorName !== '' ? ctorName : 'Error';
}

function stackOf(err: Error): string {
  return typeof err.stack === 'string' && err.stack !== '' ? err.stack : `${errorTypeName(err)}: ${err.message}`;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? value : inspect(value, { depth: 2, breakLength: Infinity });
}

/** The value itself when JSON can carry it, else its string form (Celery's `ensure_serializable`). */
function jsonSafe(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (isError(value)) return String(value);
  try {
    return JSON.stringify(value) === undefined ? describe(value) : value;
  } catch {
    return describe(value);
  }
}
