import { ReplyError } from 'ioredis';
import { CeleriacError } from '../errors.js';

/**
 * The error a caller of a public transport or backend method sees when Redis failed: the
 * connection is down or dropped mid-command, a reply timed out, the server refused (`READONLY`,
 * `OOM`, `NOPERM`…). A one-line message says what failed (`"redis transport: publish to 'celery'
 * failed: Connection is closed."`); ioredis's error is the `cause`. A {@link CeleriacError}
 * passes through unchanged: it already says what went wrong in celeriac's terms.
 *
 * @param what what was attempted, with its component: `"redis transport: purge of queue 'celery'"`
 */
export function redisFailure(code: 'TRANSPORT_ERROR' | 'BACKEND_ERROR', what: string, error: unknown): CeleriacError {
  if (error instanceof CeleriacError) return error;
  return new CeleriacError(code, `${what} failed: ${redisReason(error)}`, { cause: error });
}

/** The first line of an error's message (ioredis appends the command on later lines). */
export function redisReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const newline = text.indexOf('\n');
  return newline === -1 ? text : text.slice(0, newline);
}

/**
 * True when Redis itself answered with an error (`ERR …`, `NOSCRIPT`, `OOM`, `READONLY`…); false
 * for everything that means the connection failed (closed, not writable, timed out, reset), after
 * which the same command may succeed once the client has reconnected.
 */
export function isRedisReplyError(error: unknown): boolean {
  return error instanceof ReplyError;
}
