/**
 * The kombu transport options that shape a Redis connection, listed once for the two readers of
 * them: the Redis broker transport (`broker_transport_options`) and the Redis result backend
 * (`result_backend_transport_options`). Names are the config layer's camelCase, durations in ms.
 */
import type { RedisClientOptions } from './redis-connection.js';

/** The connection options as a `*_transport_options` carries them (each may be absent). */
export interface RedisConnectionTransportOptions {
  /** kombu `master_name`: the monitored Sentinel master; required for `sentinel://`. */
  readonly masterName?: string;
  /** kombu `sentinel_kwargs`: options of the sentinel connections (`password`, `username`). */
  readonly sentinelKwargs?: Readonly<Record<string, unknown>>;
  /** kombu `socket_timeout`, ms. */
  readonly socketTimeoutMs?: number;
  /** kombu `socket_connect_timeout`, ms. */
  readonly socketConnectTimeoutMs?: number;
  /** kombu `socket_keepalive`. */
  readonly socketKeepalive?: boolean;
  /** kombu `client_name` (`CLIENT SETNAME`). */
  readonly clientName?: string;
}

/** Every field of {@link RedisConnectionTransportOptions}: options a Redis reader recognises. */
export const redisConnectionOptionNames = [
  'masterName',
  'sentinelKwargs',
  'socketTimeoutMs',
  'socketConnectTimeoutMs',
  'socketKeepalive',
  'clientName',
] as const satisfies readonly (keyof RedisConnectionTransportOptions)[];

/** Only the connection options of `options` (which may carry others). */
export function pickRedisConnectionOptions(options: RedisConnectionTransportOptions): RedisConnectionTransportOptions {
  const picked: Record<string, unknown> = {};
  for (const name of redisConnectionOptionNames) if (options[name] !== undefined) picked[name] = options[name];
  return picked;
}

/**
 * The connection options as `createRedisClient` takes them (kombu's `socket_connect_timeout` is
 * its `connectTimeoutMs`).
 */
export function redisClientConnectionOptions(
  options: RedisConnectionTransportOptions,
): Pick<RedisClientOptions, 'masterName' | 'sentinelKwargs' | 'connectTimeoutMs' | 'socketTimeoutMs' | 'socketKeepalive' | 'clientName'> {
  return {
    masterName: options.masterName,
    sentinelKwargs: options.sentinelKwargs,
    connectTimeoutMs: options.socketConnectTimeoutMs,
    socketTimeoutMs: options.socketTimeoutMs,
    socketKeepalive: options.socketKeepalive,
    clientName: options.clientName,
  };
}
