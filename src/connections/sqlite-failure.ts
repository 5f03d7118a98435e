import { CeleriacError } from '../errors.js';

/**
 * The error a caller of a public transport or backend method sees when SQLite (or the file
 * system under it) failed: `SQLITE_BUSY` past the busy timeout, `SQLITE_FULL`, `SQLITE_IOERR`,
 * a directory that cannot be created… A one-line message says what failed
 * (`"sqlite transport: publish to 'celery' failed: database is locked"`); the driver's error is
 * the `cause`, so its `code` stays available. A {@link CeleriacError} passes through unchanged:
 * it already says what went wrong in celeriac's terms.
 *
 * @param what what was attempted, with its component: `"sqlite transport: purge of queue 'celery'"`
 */
export function sqliteFailure(
  code: 'TRANSPORT_ERROR' | 'BACKEND_ERROR',
  what: string,
  error: unknown,
): CeleriacError {
  if (error instanceof CeleriacError) return error;
  return new CeleriacError(code, `${what} failed: ${reasonOf(error)}`, { cause: error });
}

/** The first line of an error's message (SQLite's are one line already). */
export function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const newline = text.indexOf('\n');
  return newline === -1 ? text : text.slice(0, newline);
}
