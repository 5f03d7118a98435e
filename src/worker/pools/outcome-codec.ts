/**
 * A call's outcome across a thread or process boundary. Values cross by structured clone; what a
 * task throws is turned into data here and rebuilt on the other side, so the parent stores the
 * same Celery exception triple and traceback the in-process pool would, and acts on real
 * `Retry` / `Reject` / `Ignore` objects. Errors of celeriac's time limits come back as their own
 * classes; any other error comes back as an `Error` with the original name (see `remoteError`).
 */
import { Ignore, Reject, Retry, type RetryPlan } from '../../app/task-control.js';
import { SoftTimeLimitExceeded, TimeLimitExceeded } from '../../errors.js';
import { formatTraceback, serializeError } from '../../protocol/exception-codec.js';
import type { SerializedException } from '../../protocol/result-meta.js';
import type { CallOutcome } from './pool.js';

/** A thrown value as data. */
export type WireError =
  | { kind: 'retry'; exc: WireError | null; countdown: number | null; etaMs: number | null; plan: RetryPlan | null }
  | { kind: 'reject'; message: string; requeue: boolean }
  | { kind: 'ignore'; message: string }
  | { kind: 'soft-time-limit'; limitSeconds: number; traceback: string }
  | { kind: 'time-limit'; limitSeconds: number; traceback: string }
  | { kind: 'error'; message: string; serialized: SerializedException; traceback: string; code: string | null };

export type WireOutcome = { ok: true; value: unknown } | { ok: false; error: WireError };

/**
 * An error thrown by a task in a pool thread or child, rebuilt in the worker as a plain `Error`:
 * `name` and `message` as thrown, `stack` the original traceback, `args` / `excModule` so it
 * stores the same Celery triple, and `code` when it was a `CeleriacError`. (A plain Error rather
 * than a class of ours, so that an `Error` named `Error` stays `Error` on the wire.)
 */
function remoteError(w: Extract<WireError, { kind: 'error' }>): Error {
  const err = new Error(w.message);
  err.name = w.serialized.exc_type;
  err.stack = w.traceback;
  Object.assign(err, { args: w.serialized.exc_message, excModule: w.serialized.exc_module });
  if (w.code !== null) Object.assign(err, { code: w.code });
  return err;
}

export function encodeError(err: unknown): WireError {
  if (err instanceof Retry) {
    return {
      kind: 'retry',
      exc: err.exc === undefined ? null : encodeError(err.exc),
      countdown: err.countdown,
      etaMs: err.eta === null ? null : err.eta.getTime(),
      plan: err.plan ?? null,
    };
  }
  if (err instanceof Reject) return { kind: 'reject', message: err.message, requeue: err.requeue };
  if (err instanceof Ignore) return { kind: 'ignore', message: err.message };
  if (err instanceof SoftTimeLimitExceeded) return { kind: 'soft-time-limit', limitSeconds: err.limitSeconds, traceback: formatTraceback(err) };
  if (err instanceof TimeLimitExceeded) return { kind: 'time-limit', limitSeconds: err.limitSeconds, traceback: formatTraceback(err) };
  const code = (err as { code?: unknown } | null)?.code;
  return {
    kind: 'error',
    message: err instanceof Error ? err.message : String(err),
    serialized: serializeError(err),
    traceback: formatTraceback(err),
    code: typeof code === 'string' ? code : null,
  };
}

export function decodeError(w: WireError): unknown {
  switch (w.kind) {
    case 'retry':
      return new Retry({
        exc: w.exc === null ? undefined : decodeError(w.exc),
        countdown: w.countdown,
        eta: w.etaMs === null ? null : new Date(w.etaMs),
        plan: w.plan ?? undefined,
      });
    case 'reject':
      return new Reject(w.message, { requeue: w.requeue });
    case 'ignore':
      return new Ignore(w.message);
    case 'soft-time-limit':
      return withStack(new SoftTimeLimitExceeded(w.limitSeconds), w.traceback);
    case 'time-limit':
      return withStack(new TimeLimitExceeded(w.limitSeconds), w.traceback);
    case 'error':
      return remoteError(w);
  }
}

function withStack<E extends Error>(err: E, stack: string): E {
  err.stack = stack;
  return err;
}

export function encodeOutcome(outcome: CallOutcome): WireOutcome {
  return outcome.ok ? outcome : { ok: false, error: encodeError(outcome.error) };
}

export function decodeOutcome(wire: WireOutcome): CallOutcome {
  return wire.ok ? wire : { ok: false, error: decodeError(wire.error) };
}
