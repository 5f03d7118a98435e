/**
 * `result_backend` URL → a {@link ResultBackend}. One table maps each scheme to its factory, so a
 * new backend (redis, rpc) is one line here.
 */
import { redisClientConnectionOptions, redisConnectionOptionNames } from '../connections/redis-connection-options.js';
import { CeleriacError } from '../errors.js';
import type { Clock } from '../internal/clock.js';
import { celeryOptionName, type TransportOptions } from '../transports/transport-options.js';
import { parseSqliteUrl } from '../internal/sqlite-url.js';
import type { ResultBackend } from './backend.js';
import { MemoryBackend } from './memory/memory-backend.js';
import { RedisBackend, type RedisBackendLogger, type RedisBackendOptions } from './redis/redis-backend.js';
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
  /**
   * Celery's `result_backend_transport_options` as the config layer reads them (camelCase, ms).
   * The Redis backend takes `globalKeyprefix` and the connection options
   * (`redisConnectionOptionNames`: `masterName`, socket timeouts…); any other is reported through
   * `logger` as having no effect.
   */
  transportOptions?: TransportOptions;
  /** Extra options of the Redis backend (batch sizes...). */
  redis?: Pick<RedisBackendOptions, 'maxBatchSize' | 'maxBatchChars'>;
  /** Receives warnings of network backends (connection trouble, ignored options); default Node process warnings. */
  logger?: RedisBackendLogger;
}

type BackendFactory = (url: string, options: CreateBackendOptions) => ResultBackend;

const sqliteBackend = (path: string, options: CreateBackendOptions): ResultBackend =>
  new SqliteBackend({ ...options.sqlite, path, resultExpiresMs: options.resultExpiresMs, clock: options.clock });

/** The `result_backend_transport_options` the Redis backend uses. */
const redisBackendOptionNames: ReadonlySet<string> = new Set(['globalKeyprefix', ...redisConnectionOptionNames]);

function redisBackend(url: string, options: CreateBackendOptions): ResultBackend {
  const o = options.transportOptions ?? {};
  for (const name of Object.keys(o)) {
    if (redisBackendOptionNames.has(name)) continue;
    const message = `result_backend_transport_options '${celeryOptionName(name)}' has no effect on the Redis result backend`;
    if (options.logger) options.logger.warn(message);
    else process.emitWarning(message, 'CeleriacWarning');
  }
  return new RedisBackend({
    ...options.redis,
    url,
    connection: redisClientConnectionOptions(o),
    resultExpiresMs: options.resultExpiresMs,
    clock: options.clock,
    globalKeyprefix: o.globalKeyprefix,
    logger: options.logger,
  });
}

/** Scheme (before `://`, lower case) → factory. Shown, in this order, in the unsupported-scheme error. */
const backendFactories: Record<string, { example: string; create: BackendFactory }> = {
  sqlite: { example: 'sqlite:///results.db', create: (url, o) => sqliteBackend(parseSqliteUrl(url), o) },
  // SQLAlchemy's form, as Celery's database backend takes it (`db+sqlite:///results.db`).
  'db+sqlite': { example: 'db+sqlite:///results.db', create: (url, o) => sqliteBackend(parseSqliteUrl(url.slice(3)), o) },
  memory: { example: 'memory://', create: (_url, o) => new MemoryBackend(o) },
  // Celery's in-process cache backend URL.
  'cache+memory': { example: 'cache+memory://', create: (_url, o) => new MemoryBackend(o) },
  redis: { example: 'redis://localhost:6379/0', create: redisBackend },
  rediss: { example: 'rediss://localhost:6380/0', create: redisBackend },
  'redis+socket': { example: 'redis+socket:///run/redis.sock', create: redisBackend },
  unix: { example: 'unix:///run/redis.sock', create: redisBackend },
  sentinel: { example: 'sentinel://localhost:26379', create: redisBackend },
};

/**
 * The result backend named by `url` (Celery's `result_backend`), not yet started.
 *
 * Supported: `sqlite:///relative.db`, `sqlite:////abs/path.db` (and SQLAlchemy's
 * `db+sqlite:///...`), `memory://` (and Celery's `cache+memory://`), and Redis:
 * `redis://[[user]:password@]host[:port][/db]`, `rediss://` (TLS), `redis+socket:///path.sock`
 * (and redis-py's `unix://`), `sentinel://host:port;sentinel://host2:port` (master name in
 * `transportOptions.masterName`). `null`, `''` or `'disabled'` (Celery's alias) mean no backend: the result is `null`, and the app raises
 * `BackendDisabledError` when someone reads a result.
 *
 * @example createBackend('sqlite:///results.db', { resultExpiresMs: 3_600_000 })
 * @throws CeleriacError `UNSUPPORTED_BACKEND` for an unknown scheme (the message lists the
 *   supported ones); `BAD_URL` for a malformed sqlite or Redis URL; `CONFIG_INVALID` for a
 *   Sentinel URL without `masterName`.
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
