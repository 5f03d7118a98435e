/**
 * `result_backend` URL → a {@link ResultBackend}. One table maps each scheme to its factory, so a
 * new backend (redis, rpc) is one line here.
 */
import { CeleriacError } from '../errors.js';
import type { Clock } from '../internal/clock.js';
import { parseSqliteUrl } from '../internal/sqlite-url.js';
import type { ResultBackend } from './backend.js';
import { MemoryBackend } from './memory/memory-backend.js';
import { SqliteBackend, type SqliteBackendOptions } from './sqlite/sqlite-backend.js';

export interface CreateBackendOptions {
  /**
   * Milliseconds a result lives after its last write (Celery's `result_expires`, converted from
   * seconds by the app); `null` or `0` = forever. Default 86,400,000 (one day).
   */
  resultExpiresMs?: number | null;
  /** Time source for expiry and timeouts; default the system clock. */
  clock?: Clock;
  /** Extra options of the sqlite backend (busy timeout, poll interval, batch size...). */
  sqlite?: Omit<SqliteBackendOptions, 'path' | 'resultExpiresMs' | 'clock'>;
}

type BackendFactory = (url: string, options: CreateBackendOptions) => ResultBackend;

const sqliteBackend = (path: string, options: CreateBackendOptions): ResultBackend =>
  new SqliteBackend({ ...options.sqlite, path, resultExpiresMs: options.resultExpiresMs, clock: options.clock });

/** Scheme (before `://`, lower case) → factory. Shown, in this order, in the unsupported-scheme error. */
const backendFactories: Record<string, { example: string; create: BackendFactory }> = {
  sqlite: { example: 'sqlite:///results.db', create: (url, o) => sqliteBackend(parseSqliteUrl(url), o) },
  // SQLAlchemy's form, as Celery's database backend takes it (`db+sqlite:///results.db`).
  'db+sqlite': { example: 'db+sqlite:///results.db', create: (url, o) => sqliteBackend(parseSqliteUrl(url.slice(3)), o) },
  memory: { example: 'memory://', create: (_url, o) => new MemoryBackend(o) },
  // Celery's in-process cache backend URL.
  'cache+memory': { example: 'cache+memory://', create: (_url, o) => new MemoryBackend(o) },
};

/**
 * The result backend named by `url` (Celery's `result_backend`), not yet started.
 *
 * Supported: `sqlite:///relative.db`, `sqlite:////abs/path.db` (and SQLAlchemy's
 * `db+sqlite:///...`), `memory://` (and Celery's `cache+memory://`). `null`, `''` or `'disabled'`
 * (Celery's alias) mean no backend: the result is `null`, and the app raises
 * `BackendDisabledError` when someone reads a result.
 *
 * @example createBackend('sqlite:///results.db', { resultExpiresMs: 3_600_000 })
 * @throws CeleriacError `UNSUPPORTED_BACKEND` for an unknown scheme (the message lists the
 *   supported ones); `BAD_URL` for a malformed sqlite URL.
 */
export function createBackend(url: string | null | undefined, options: CreateBackendOptions = {}): ResultBackend | null {
  if (url === null || url === undefined) return null;
  const trimmed = url.trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'disabled' || trimmed.toLowerCase() === 'disabled://') return null;
  const separator = trimmed.indexOf('://');
  const scheme = (separator === -1 ? trimmed : trimmed.slice(0, separator)).toLowerCase();
  const entry = Object.hasOwn(backendFactories, scheme) ? backendFactories[scheme] : undefined;
  if (entry === undefined) {
    const supported = Object.values(backendFactories)
      .map((f) => f.example)
      .join(', ');
    throw new CeleriacError(
      'UNSUPPORTED_BACKEND',
      `unsupported result backend '${redact(trimmed)}' (supported: ${supported})`,
    );
  }
  return entry.create(trimmed, options);
}

/** Hide a password in a URL before it goes into an error message. */
function redact(url: string): string {
  return url.replace(/^([a-z0-9+.-]+:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}
