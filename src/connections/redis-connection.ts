/**
 * Redis connections for the Redis transport and result backend: kombu's URL forms parsed once
 * into ioredis options, and one factory for every ioredis client celeriac opens. This is the only
 * module that imports ioredis at run time (DESIGN.md layer 1); other layers name the client type
 * through {@link RedisClient}.
 *
 * URL forms (kombu / redis-py spelling):
 * - `redis://[[user]:password@]host[:port][/db]` — port 6379, db 0 by default;
 * - `rediss://…` — the same over TLS; query `ssl_cert_reqs=CERT_NONE|CERT_OPTIONAL|CERT_REQUIRED`
 *   (or `none|optional|required`), `ssl_ca_certs`, `ssl_certfile`, `ssl_keyfile` (file paths), as
 *   Celery's `rediss://` URLs carry them;
 * - `redis+socket:///path/to.sock[?virtual_host=db]` and `unix:///path/to.sock[?db=db]` — a Unix
 *   socket (`unix://[user:password@]/path` as redis-py writes it);
 * - `sentinel://[:password@]host:port[/db];sentinel://host2:port…` — Redis Sentinel; the monitored
 *   master's name comes from the transport option `masterName` (kombu's `master_name`), the
 *   sentinels' own password from `sentinelKwargs.password`; the URL's password and db are the
 *   master's. Port 26379 by default.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { Redis, type RedisOptions } from 'ioredis';
import { CeleriacError } from '../errors.js';

/** An ioredis client, named so that layers above need not import ioredis. */
export type RedisClient = Redis;

/** Where a Redis URL points, parsed. */
export interface RedisUrl {
  /** Lower-case scheme as written: `redis`, `rediss`, `redis+socket`, `unix`, `sentinel`. */
  scheme: 'redis' | 'rediss' | 'redis+socket' | 'unix' | 'sentinel';
  /** TCP host (absent for sockets and sentinel URLs). */
  host?: string;
  port?: number;
  /** Unix socket path. */
  path?: string;
  /** Sentinel addresses, in URL order. */
  sentinels?: { host: string; port: number }[];
  /** Database number (kombu's `virtual_host`). */
  db: number;
  username?: string;
  password?: string;
  /** TLS settings for `rediss://` (absent otherwise). */
  tls?: TlsConnectionOptions;
  /** The URL with its password masked, for logs and error messages. */
  display: string;
}

/** What an ioredis client is for; each role gets the reconnect behaviour it needs. */
export type RedisConnectionRole =
  /**
   * Plain commands. With `failFast` (the transport's publisher) a command fails at once while
   * the connection is down instead of waiting in ioredis's offline queue, so a producer can
   * apply its retry policy; otherwise commands wait for the reconnect.
   */
  | 'commands'
  /** A connection that blocks (`BRPOP`): never resends an unanswered command after a reconnect. */
  | 'blocking'
  /** Pub/sub only; resubscribing after a reconnect is left to the owner (autoResubscribe off). */
  | 'subscriber';

/** Options of {@link createRedisClient}; kombu's transport options in ms where they apply. */
export interface RedisClientOptions {
  /** Default `commands`. */
  role?: RedisConnectionRole;
  /** `commands` only: fail commands at once while disconnected (see {@link RedisConnectionRole}). */
  failFast?: boolean;
  /** Sentinel: the monitored master (kombu `master_name`); required for `sentinel://`. */
  masterName?: string;
  /** Sentinel: options of the sentinel connections (kombu `sentinel_kwargs`): `password`, `username`. */
  sentinelKwargs?: Readonly<Record<string, unknown>>;
  /** Give up a connection attempt after this long (kombu `socket_connect_timeout`). Default 10,000. */
  connectTimeoutMs?: number;
  /**
   * A connection that owes a reply and receives nothing for this long is taken for dead and
   * replaced (kombu `socket_timeout`; ioredis `socketTimeout`). Default none.
   */
  socketTimeoutMs?: number;
  /** TCP keep-alive (kombu `socket_keepalive`); default on, first probe after 30 s. */
  socketKeepalive?: boolean;
  /** `CLIENT SETNAME` value (kombu `client_name`). */
  clientName?: string;
  /** Delay before reconnect attempt `attempt` (1, 2, …); default 50 ms doubling to 2 s. */
  reconnectDelayMs?: (attempt: number) => number;
  /** Connect on the first command or `connect()` rather than at once. Default true. */
  lazyConnect?: boolean;
}

const DEFAULT_PORT = 6379;
const DEFAULT_SENTINEL_PORT = 26379;

/** The default reconnect backoff: 50 ms, doubling, at most 2 s, with up to 20 % jitter. */
export function defaultReconnectDelayMs(attempt: number): number {
  const base = Math.min(2_000, 50 * 2 ** Math.min(Math.max(attempt - 1, 0), 6));
  return Math.round(base * (1 + Math.random() * 0.2));
}

function badUrl(url: string, why: string): CeleriacError {
  return new CeleriacError('BAD_URL', `bad Redis URL '${maskPassword(url)}': ${why}`);
}

/** `url` with any `:password@` replaced by `:***@`. */
function maskPassword(url: string): string {
  return url.replace(/(\/\/[^/@;]*?:)[^@/;]*@/g, '$1***@');
}

function parseDb(url: string, text: string | null | undefined): number {
  if (text === null || text === undefined || text === '' || text === '/') return 0;
  const trimmed = text.startsWith('/') ? text.slice(1) : text;
  if (!/^\d+$/.test(trimmed)) throw badUrl(url, `the database must be a number ≥ 0, got '${trimmed}'`);
  return Number(trimmed);
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function credentials(parsed: URL): { username?: string; password?: string } {
  const out: { username?: string; password?: string } = {};
  if (parsed.username !== '') out.username = decode(parsed.username);
  if (parsed.password !== '') out.password = decode(parsed.password);
  return out;
}

function parseWhatwg(url: string, text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw badUrl(url, 'it cannot be parsed');
  }
}

function tlsOptions(url: string, query: URLSearchParams): TlsConnectionOptions {
  const tls: TlsConnectionOptions = {};
  const reqs = query.get('ssl_cert_reqs');
  if (reqs !== null) {
    const value = reqs.toLowerCase().replace(/^cert_/, '');
    if (value === 'none') tls.rejectUnauthorized = false;
    else if (value === 'optional' || value === 'required') tls.rejectUnauthorized = true;
    else throw badUrl(url, `ssl_cert_reqs must be CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED, got '${reqs}'`);
  }
  const files: [string, 'ca' | 'cert' | 'key'][] = [
    ['ssl_ca_certs', 'ca'],
    ['ssl_certfile', 'cert'],
    ['ssl_keyfile', 'key'],
  ];
  for (const [name, field] of files) {
    const path = query.get(name);
    if (path === null) continue;
    try {
      tls[field] = readFileSync(path);
    } catch (error) {
      throw new CeleriacError('BAD_URL', `bad Redis URL '${maskPassword(url)}': cannot read ${name} '${path}'`, {
        cause: error,
      });
    }
  }
  return tls;
}

/**
 * Parses a broker or result-backend Redis URL (forms in the module comment).
 *
 * @example parseRedisUrl('redis://:secret@cache:6380/5') // { scheme: 'redis', host: 'cache', port: 6380, db: 5, password: 'secret', … }
 * @throws CeleriacError `BAD_URL` for an unknown scheme, a non-numeric port or db, a socket URL
 *   without a path, a sentinel list with another scheme in it, or an unreadable TLS file.
 */
export function parseRedisUrl(url: string): RedisUrl {
  const trimmed = url.trim();
  const separator = trimmed.indexOf('://');
  if (separator <= 0) throw badUrl(url, 'it has no scheme (expected redis://host:port/db)');
  const scheme = trimmed.slice(0, separator).toLowerCase();
  const display = maskPassword(trimmed);
  if (scheme === 'sentinel') return parseSentinelUrl(url, trimmed, display);
  if (scheme === 'redis+socket' || scheme === 'unix') {
    // `redis+socket:///tmp/r.sock`, `unix://[user:password@]/tmp/r.sock` (redis-py): the part
    // before the path's first '/' is empty or redis-py's `user:password@`.
    const rest = trimmed.slice(separator + 3);
    const queryAt = rest.indexOf('?');
    const beforeQuery = queryAt === -1 ? rest : rest.slice(0, queryAt);
    const query = new URLSearchParams(queryAt === -1 ? '' : rest.slice(queryAt + 1));
    const slash = beforeQuery.indexOf('/');
    const path = slash === -1 ? '' : decode(beforeQuery.slice(slash));
    if (path === '' || path === '/') throw badUrl(url, 'a socket URL needs a path (redis+socket:///path/to/redis.sock)');
    const out: RedisUrl = { scheme, path, db: parseDb(url, query.get('virtual_host') ?? query.get('db')), display };
    const userinfo = beforeQuery.slice(0, slash).replace(/@$/, '');
    if (userinfo !== '') {
      const colon = userinfo.indexOf(':');
      const username = colon === -1 ? userinfo : userinfo.slice(0, colon);
      if (username !== '') out.username = decode(username);
      if (colon !== -1 && colon < userinfo.length - 1) out.password = decode(userinfo.slice(colon + 1));
    }
    return out;
  }
  if (scheme !== 'redis' && scheme !== 'rediss') {
    throw badUrl(url, `unknown scheme '${scheme}://' (expected redis://, rediss://, redis+socket://, unix:// or sentinel://)`);
  }
  const parsed = parseWhatwg(url, trimmed);
  const port = parsed.port === '' ? DEFAULT_PORT : Number(parsed.port);
  const host = parsed.hostname === '' ? '127.0.0.1' : parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const db = parseDb(url, parsed.pathname);
  const out: RedisUrl = { scheme, host, port, db, ...credentials(parsed), display };
  if (scheme === 'rediss') out.tls = tlsOptions(url, parsed.searchParams);
  return out;
}

function parseSentinelUrl(url: string, trimmed: string, display: string): RedisUrl {
  const sentinels: { host: string; port: number }[] = [];
  let db = 0;
  let auth: { username?: string; password?: string } = {};
  for (const [index, part] of trimmed.split(';').entries()) {
    const text = part.trim();
    if (text === '') continue;
    if (!text.toLowerCase().startsWith('sentinel://')) {
      throw badUrl(url, `every address of a sentinel URL must be sentinel://host:port, got '${maskPassword(text)}'`);
    }
    const parsed = parseWhatwg(url, text);
    if (parsed.hostname === '') throw badUrl(url, `sentinel address '${maskPassword(text)}' has no host`);
    sentinels.push({
      host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: parsed.port === '' ? DEFAULT_SENTINEL_PORT : Number(parsed.port),
    });
    if (index === 0) {
      db = parseDb(url, parsed.pathname);
      auth = credentials(parsed);
    }
  }
  if (sentinels.length === 0) throw badUrl(url, 'no sentinel address');
  return { scheme: 'sentinel', sentinels, db, ...auth, display };
}

const ROLE_OPTIONS: Record<RedisConnectionRole, RedisOptions> = {
  commands: {},
  // A BRPOP left unanswered by a dropped connection may have popped a message on the server;
  // resending it would pop another. The owner re-issues its own reads after a reconnect.
  blocking: { autoResendUnfulfilledCommands: false, maxRetriesPerRequest: 0 },
  subscriber: { autoResubscribe: false, maxRetriesPerRequest: null },
};

/**
 * The ioredis options for `url` and `options` (exported for callers that need to adjust them
 * before constructing a client; most call {@link createRedisClient}).
 *
 * @throws CeleriacError `BAD_URL` as {@link parseRedisUrl}; `CONFIG_INVALID` for a sentinel URL
 *   without `masterName`.
 */
export function redisClientOptions(url: string | RedisUrl, options: RedisClientOptions = {}): RedisOptions {
  const target = typeof url === 'string' ? parseRedisUrl(url) : url;
  const role = options.role ?? 'commands';
  const reconnectDelayMs = options.reconnectDelayMs ?? defaultReconnectDelayMs;
  const out: RedisOptions = {
    ...ROLE_OPTIONS[role],
    db: target.db,
    lazyConnect: options.lazyConnect ?? true,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    retryStrategy: (attempt: number) => reconnectDelayMs(attempt),
  };
  if (role === 'commands' && options.failFast === true) {
    out.enableOfflineQueue = false;
    out.autoResendUnfulfilledCommands = false;
    out.maxRetriesPerRequest = 0;
  }
  if (options.socketTimeoutMs !== undefined) out.socketTimeout = options.socketTimeoutMs;
  if (options.socketKeepalive === false) out.keepAlive = 0;
  if (options.clientName !== undefined) out.connectionName = options.clientName;
  if (target.username !== undefined) out.username = target.username;
  if (target.password !== undefined) out.password = target.password;
  if (target.scheme === 'sentinel') {
    if (options.masterName === undefined || options.masterName === '') {
      throw new CeleriacError(
        'CONFIG_INVALID',
        `${target.display} is a Sentinel URL: set broker_transport_options master_name (the monitored master's name)`,
      );
    }
    out.sentinels = target.sentinels;
    out.name = options.masterName;
    const kwargs = options.sentinelKwargs ?? {};
    if (typeof kwargs.password === 'string') out.sentinelPassword = kwargs.password;
    if (typeof kwargs.username === 'string') out.sentinelUsername = kwargs.username;
  } else if (target.path !== undefined) {
    out.path = target.path;
  } else {
    out.host = target.host;
    out.port = target.port;
    if (target.tls !== undefined) out.tls = target.tls;
  }
  return out;
}

/**
 * A new ioredis client for `url`, not yet connected unless `lazyConnect: false` (call
 * `connect()`, which resolves once the server answers). Every client gets an `error` listener
 * that does nothing, so ioredis never prints "Unhandled error event"; owners that care listen
 * themselves.
 *
 * @example
 * const client = createRedisClient('redis://localhost:6379/0', { role: 'commands', failFast: true });
 * await client.connect();
 * @throws CeleriacError `BAD_URL` / `CONFIG_INVALID` as {@link redisClientOptions}.
 */
export function createRedisClient(url: string | RedisUrl, options: RedisClientOptions = {}): RedisClient {
  const client = new Redis(redisClientOptions(url, options));
  client.on('error', () => undefined);
  return client;
}

/**
 * Closes the connection now and fails every command still owed a reply ("Connection is
 * closed."). ioredis's `disconnect()` alone ends the socket politely and waits up to 2 s for the
 * server to close its side, which a hung server never does.
 */
export function dropRedisConnection(client: RedisClient): void {
  client.disconnect();
  const stream = client.stream as RedisClient['stream'] | undefined; // none before the first connect
  stream?.destroy();
}
