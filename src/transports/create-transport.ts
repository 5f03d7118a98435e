/**
 * `broker_url` → a {@link Transport}. One table maps each scheme to its factory, so adding
 * Redis or AMQP is one line in `transportFactories`.
 */
import { CeleriacError } from '../errors.js';
import type { Clock } from '../internal/clock.js';
import { MemoryTransport } from './memory/memory-transport.js';
import { SqliteTransport, type SqliteTransportOptions } from './sqlite/sqlite-transport.js';
import type { Transport, TransportLogger } from './transport.js';
import { processWarningLogger } from './virtual/process-warning-logger.js';

export interface CreateTransportOptions {
  /** Receives transport warnings; default Node process warnings. */
  logger?: TransportLogger;
  /** Time source; default the system clock. */
  clock?: Clock;
  /**
   * Celery's `broker_transport_options`, with kombu's names and Celery's units (seconds). The
   * embedded transports read `visibility_timeout` and `polling_interval` (sqlite); any other
   * name belongs to another transport and is reported through `logger` as having no effect.
   */
  transportOptions?: Readonly<Record<string, unknown>>;
  /** Typed sqlite options, taking precedence over `transportOptions`. */
  sqlite?: Omit<SqliteTransportOptions, 'url' | 'path' | 'clock' | 'logger'>;
}

type TransportFactory = (url: string, options: CreateTransportOptions) => Transport;

/** Scheme (before `://`, lower case) → factory; shown, in this order, in the unsupported-scheme error. */
const transportFactories: Record<string, TransportFactory> = {
  memory: (_url, options) => {
    readTransportOptions('memory', options, []);
    return new MemoryTransport({ clock: options.clock, logger: options.logger });
  },
  sqlite: (url, options) => {
    const known = readTransportOptions('sqlite', options, ['visibility_timeout', 'polling_interval']);
    return new SqliteTransport({
      ...secondsToMs(known, 'visibility_timeout', 'visibilityTimeoutMs'),
      ...secondsToMs(known, 'polling_interval', 'pollIntervalMs'),
      ...options.sqlite,
      url,
      clock: options.clock,
      logger: options.logger,
    });
  },
};

/**
 * The transport named by `url` (Celery's `broker_url`), not yet started.
 *
 * Supported: `memory://` (in-process) and `sqlite:///relative.db` / `sqlite:////abs/path.db`
 * (the embedded default; durable, shared by processes on one host).
 *
 * @example createTransport('sqlite:///celeriac.db', { transportOptions: { visibility_timeout: 600 } })
 * @throws CeleriacError `UNSUPPORTED_TRANSPORT` for an unknown scheme (the message lists the
 *   supported ones); `BAD_URL` for a URL without a scheme or a malformed sqlite URL;
 *   `CONFIG_INVALID` for a transport option of the wrong type.
 */
export function createTransport(url: string, options: CreateTransportOptions = {}): Transport {
  const trimmed = url.trim();
  const separator = trimmed.indexOf('://');
  if (separator <= 0) {
    throw new CeleriacError(
      'BAD_URL',
      `broker URL '${url}' has no scheme (expected e.g. sqlite:///celeriac.db or memory://)`,
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

/** The recognised `broker_transport_options`; the rest are reported as without effect. */
function readTransportOptions(
  scheme: string,
  options: CreateTransportOptions,
  recognised: readonly string[],
): Record<string, unknown> {
  const known: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options.transportOptions ?? {})) {
    if (recognised.includes(name)) {
      known[name] = value;
    } else {
      (options.logger ?? processWarningLogger).warn(
        `broker_transport_options '${name}' has no effect on the ${scheme}:// transport`,
      );
    }
  }
  return known;
}

function secondsToMs<K extends keyof SqliteTransportOptions>(
  known: Record<string, unknown>,
  name: string,
  target: K,
): Partial<SqliteTransportOptions> {
  const seconds = known[name];
  if (seconds === undefined) return {};
  if (typeof seconds !== 'number' || !(seconds > 0) || !Number.isFinite(seconds)) {
    throw new CeleriacError(
      'CONFIG_INVALID',
      `broker_transport_options '${name}' must be a positive number of seconds, got ${JSON.stringify(seconds)}`,
    );
  }
  return { [target]: Math.round(seconds * 1000) };
}
