/**
 * `broker_url` → a {@link Transport}. One table maps each scheme to its factory, so adding a
 * transport is one line in `transportFactories`.
 */
import { pickRedisConnectionOptions, redisConnectionOptionNames } from '../connections/redis-connection-options.js';
import { CeleriacError } from '../errors.js';
import type { Clock } from '../internal/clock.js';
import { MemoryTransport } from './memory/memory-transport.js';
import { RedisTransport } from './redis/redis-transport.js';
import { SqliteTransport, type SqliteTransportOptions } from './sqlite/sqlite-transport.js';
import type { Transport, TransportLogger } from './transport.js';
import { celeryOptionName, type TransportOptions } from './transport-options.js';
import { processWarningLogger } from './virtual/process-warning-logger.js';

export interface CreateTransportOptions {
  /** Receives transport warnings; default Node process warnings. */
  logger?: TransportLogger;
  /** Time source; default the system clock. */
  clock?: Clock;
  /**
   * Celery's `broker_transport_options`, as the config layer reads them (camelCase, ms). Each
   * transport takes the ones it knows; any other is reported through `logger` as having no
   * effect on it.
   */
  transportOptions?: TransportOptions;
  /** Typed sqlite options, taking precedence over `transportOptions`. */
  sqlite?: Omit<SqliteTransportOptions, 'url' | 'path' | 'clock' | 'logger'>;
}

type TransportFactory = (url: string, options: CreateTransportOptions) => Transport;

/** The Redis transport for every URL form kombu's Redis transports accept. */
const redisFactory: TransportFactory = (url, options) => {
  const o = readTransportOptions(url, options, [
    'visibilityTimeoutMs',
    'prioritySteps',
    'sep',
    'globalKeyprefix',
    'queueOrderStrategy',
    'unackedMutexExpireMs',
    'unackedRestoreLimit',
    'fanoutPrefix',
    'fanoutPatterns',
    ...redisConnectionOptionNames,
    'confirmPublish',
    'maxUnconfirmedPublishes',
    // kombu knobs the Redis transport honours in its own way: acks are always emulated, one
    // command connection replaces the pool, the BRPOP tick replaces health checks.
    'ackEmulation',
    'maxConnections',
    'healthCheckIntervalMs',
    'retryOnTimeout',
  ]);
  if (o.ackEmulation === false) {
    (options.logger ?? processWarningLogger).warn(
      "broker_transport_options 'ack_emulation' = False has no effect: celeriac's Redis transport always emulates acks",
    );
  }
  return new RedisTransport({
    url,
    visibilityTimeoutMs: o.visibilityTimeoutMs,
    prioritySteps: o.prioritySteps,
    sep: o.sep,
    globalKeyprefix: o.globalKeyprefix,
    queueOrderStrategy: o.queueOrderStrategy,
    unackedMutexExpireMs: o.unackedMutexExpireMs,
    unackedRestoreLimit: o.unackedRestoreLimit,
    fanoutPrefix: o.fanoutPrefix,
    fanoutPatterns: o.fanoutPatterns,
    ...pickRedisConnectionOptions(o),
    confirmPublish: o.confirmPublish,
    maxUnconfirmedPublishes: o.maxUnconfirmedPublishes,
    clock: options.clock,
    logger: options.logger,
  });
};

/** Scheme (before `://`, lower case) → factory; shown, in this order, in the unsupported-scheme error. */
const transportFactories: Record<string, TransportFactory> = {
  memory: (url, options) => {
    readTransportOptions(url, options, []);
    return new MemoryTransport({ clock: options.clock, logger: options.logger });
  },
  sqlite: (url, options) => {
    const o = readTransportOptions(url, options, ['visibilityTimeoutMs', 'pollingIntervalMs']);
    return new SqliteTransport({
      ...(o.visibilityTimeoutMs === undefined ? {} : { visibilityTimeoutMs: o.visibilityTimeoutMs }),
      ...(o.pollingIntervalMs === undefined ? {} : { pollIntervalMs: o.pollingIntervalMs }),
      ...options.sqlite,
      url,
      clock: options.clock,
      logger: options.logger,
    });
  },
  redis: redisFactory,
  rediss: redisFactory,
  'redis+socket': redisFactory,
  unix: redisFactory,
  sentinel: redisFactory,
};

/**
 * The transport named by `url` (Celery's `broker_url`), not yet started.
 *
 * Supported: `memory://` (in-process); `sqlite:///relative.db` / `sqlite:////abs/path.db` (the
 * embedded default; durable, shared by processes on one host); `redis://[[user]:password@]host:port/db`,
 * `rediss://…` (TLS), `redis+socket:///path.sock`, `unix:///path.sock` and
 * `sentinel://host:port;sentinel://…` (with `masterName`) — kombu's Redis layout, shared with
 * Python Celery.
 *
 * @example createTransport('redis://localhost:6379/0', { transportOptions: { visibilityTimeoutMs: 600_000 } })
 * @throws CeleriacError `UNSUPPORTED_TRANSPORT` for an unknown scheme (the message lists the
 *   supported ones); `BAD_URL` for a URL without a scheme or a malformed URL;
 *   `CONFIG_INVALID` for a transport option the transport cannot use (a sentinel URL without
 *   `masterName`, a non-positive duration).
 */
export function createTransport(url: string, options: CreateTransportOptions = {}): Transport {
  const trimmed = url.trim();
  const separator = trimmed.indexOf('://');
  if (separator <= 0) {
    throw new CeleriacError(
      'BAD_URL',
      `broker URL '${url}' has no scheme (expected e.g. sqlite:///celeriac.db, redis://localhost:6379/0 or memory://)`,
    );
  }
  const scheme = trimmed.slice(0, separator).toLowerCase();
  const factory = Object.hasOwn(transportFactories, scheme) ? transportFactories[scheme] : undefined;
  if (factory === undefined) {
    const supported = Object.keys(transportFactories).map((s) => `${s}://`).join(', ');
    throw new CeleriacError(
      'UNSUPPORTED_TRANSPORT',
      `unsupported broker transport '${scheme}://' in '${url}'; supported: ${supported}`,
    );
  }
  return factory(trimmed, options);
}

/**
 * The options of `recognised`; every other option that is set is reported as having no effect
 * on this transport (by its Celery name).
 */
function readTransportOptions<K extends keyof TransportOptions>(
  url: string,
  options: CreateTransportOptions,
  recognised: readonly K[],
): Pick<TransportOptions, K> {
  const given = options.transportOptions ?? {};
  const scheme = url.slice(0, url.indexOf('://')).toLowerCase();
  for (const name of Object.keys(given) as (keyof TransportOptions)[]) {
    if (given[name] === undefined || (recognised as readonly string[]).includes(name)) continue;
    (options.logger ?? processWarningLogger).warn(
      `broker_transport_options '${celeryOptionName(name)}' has no effect on the ${scheme}:// transport`,
    );
  }
  return given;
}
