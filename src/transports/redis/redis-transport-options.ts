/**
 * Options of the Redis transport: kombu's Redis transport options (camelCase, ms) plus the few
 * celeriac adds for its renewal and dead-consumer scheme (see `redis-transport.ts`).
 */
import { CeleriacError } from '../../errors.js';
import type { Clock } from '../../internal/clock.js';
import type { TransportLogger } from '../transport.js';
import { KOMBU_PRIORITY_STEPS, KOMBU_SEP } from './key-layout.js';

/** Defaults of {@link RedisTransportOptions} (listed in docs/reference/settings.md and docs/redis.md). */
export const redisTransportDefaults = {
  /** kombu `visibility_timeout`: 3600 s. */
  visibilityTimeoutMs: 3_600_000,
  /** kombu `priority_steps`. */
  prioritySteps: KOMBU_PRIORITY_STEPS,
  /** kombu `sep`. */
  sep: KOMBU_SEP,
  /** kombu `global_keyprefix`. */
  globalKeyprefix: '',
  /** kombu `queue_order_strategy`. */
  queueOrderStrategy: 'round_robin',
  /** kombu `unacked_mutex_expire`: 300 s. */
  unackedMutexExpireMs: 300_000,
  /** kombu `unacked_restore_limit`: no limit. */
  unackedRestoreLimit: null,
  /** kombu `fanout_prefix`: `/{db}.` channel names. */
  fanoutPrefix: true,
  /** kombu `fanout_patterns`. */
  fanoutPatterns: true,
  /** kombu `socket_connect_timeout` (kombu: none; ioredis default 10 s). */
  socketConnectTimeoutMs: 10_000,
  /**
   * kombu `socket_timeout` (kombu: none): a connection owing a reply that stays silent this long
   * is replaced, so a dead TCP connection fails publishes instead of hanging them.
   */
  socketTimeoutMs: 10_000,
  /** The BRPOP timeout (kombu: 1 s); also the consumer's liveness tick. */
  brpopTimeoutMs: 1_000,
  /** Most messages one fetch takes. */
  fetchBatchMax: 500,
  /** How long stop() waits for Redis to answer its last commands before closing anyway. */
  stopTimeoutMs: 3_000,
  /** How long a `_kombu.binding.*` table read from Redis is reused for publishes. */
  bindingCacheMs: 5_000,
  /** kombu `confirm_publish`: a publish resolves once Redis acknowledged it. */
  confirmPublish: true,
  /** With `confirmPublish` false: most messages awaiting Redis's acknowledgement at once. */
  maxUnconfirmedPublishes: 1_000,
} as const;

/** Options of {@link RedisTransport}. */
export interface RedisTransportOptions {
  /** `redis://`, `rediss://`, `redis+socket://`, `unix://` or `sentinel://` (see connections/redis-connection.ts). */
  url: string;
  /**
   * A message held unacked this long by a consumer that stopped renewing it (a dead one, or a
   * Python worker) is restored to its queue (kombu `visibility_timeout`). celeriac consumers renew
   * what they hold, so an ETA task held longer is not redelivered. Default 3,600,000.
   */
  visibilityTimeoutMs?: number;
  /** kombu `priority_steps`; default [0, 3, 6, 9]. */
  prioritySteps?: readonly number[];
  /** kombu `sep` between a queue name and its priority step; default `\x06\x16`. */
  sep?: string;
  /** kombu `global_keyprefix`, put before every key; default ''. */
  globalKeyprefix?: string;
  /** kombu `queue_order_strategy`; default `round_robin`. */
  queueOrderStrategy?: 'round_robin' | 'priority' | 'sorted';
  /** kombu `unacked_mutex_expire`; default 300,000. */
  unackedMutexExpireMs?: number;
  /** kombu `unacked_restore_limit`: most messages one restore pass moves back; default no limit. */
  unackedRestoreLimit?: number | null;
  /** kombu `fanout_prefix`: `true` → `/{db}.`, a string replaces it, `false` → none; default true. */
  fanoutPrefix?: boolean | string;
  /** kombu `fanout_patterns`: fanout channel names carry the routing key; default true. */
  fanoutPatterns?: boolean;
  /** Sentinel: the monitored master (kombu `master_name`). */
  masterName?: string;
  /** Sentinel: options of the sentinel connections (kombu `sentinel_kwargs`). */
  sentinelKwargs?: Readonly<Record<string, unknown>>;
  /** kombu `socket_connect_timeout`; default 10,000. */
  socketConnectTimeoutMs?: number;
  /** kombu `socket_timeout` (see {@link redisTransportDefaults}); default 10,000. */
  socketTimeoutMs?: number;
  /** kombu `socket_keepalive`; default on. */
  socketKeepalive?: boolean;
  /** kombu `client_name` (`CLIENT SETNAME`). */
  clientName?: string;
  /**
   * celeriac: how often a consumer renews what it holds (`ZADD unacked_index XX`) and its liveness
   * key. Default a quarter of the visibility timeout, at most 5,000.
   */
  renewIntervalMs?: number;
  /**
   * celeriac: a consumer whose liveness key is this old is dead, and the messages it held are
   * restored at once by the next restore pass of any celeriac consumer. Default 3 renewals but at
   * least 15,000, and never more than the visibility timeout.
   */
  consumerTtlMs?: number;
  /**
   * How often a consuming transport runs a restore pass (kombu `restore_visible`, plus dead
   * celeriac consumers). Default half the visibility timeout, between 250 and 10,000.
   */
  restoreIntervalMs?: number;
  /** The BRPOP timeout (kombu 1 s); also the consumer's liveness tick. Default 1,000. */
  brpopTimeoutMs?: number;
  /** Most messages one fetch takes (bounded by the consumer's free prefetch slots). Default 500. */
  fetchBatchMax?: number;
  /**
   * How long stop() waits for Redis to answer its last commands (cutting a BRPOP short, pending
   * acks, giving back held messages) before it closes the connections anyway — a Redis that hangs
   * or a network that drops packets would otherwise hold it up for the socket timeout or longer.
   * What was not given back comes back as after a crash. Default 3,000.
   */
  stopTimeoutMs?: number;
  /**
   * kombu's `confirm_publish` (an AMQP transport option there, where py-amqp then waits for the
   * broker's publisher confirm; kombu's Redis transport always waits for the `LPUSH` reply).
   *
   * `true` (default): `publish()` — and so `delay()` — resolves once Redis acknowledged the message.
   *
   * `false`: it resolves once the message is written to the connection, without waiting for the
   * reply (an awaited loop of `delay()` is then bounded by this process, not by the round trip).
   * The transport keeps each message until Redis acknowledges it and sends it again after a
   * reconnect as the publish's retry policy allows (at-least-once: a message Redis stored just
   * before the connection dropped is stored twice); past {@link maxUnconfirmedPublishes}
   * unconfirmed messages a publish waits until half of them are confirmed. A message finally
   * lost is reported to the publisher (the app logs an error naming the task and fails its
   * `get()`), and `stop()` waits until every message is confirmed or lost. What you give up: a
   * crash (or kill) of this process loses the messages written but not yet acknowledged — up to
   * {@link maxUnconfirmedPublishes} (a tight `delay()` loop keeps that many in flight).
   */
  confirmPublish?: boolean;
  /** With {@link confirmPublish} false: most unconfirmed messages at once. Default 1,000. */
  maxUnconfirmedPublishes?: number;
  /** Time source (scores, renewals, restores); default the system clock. */
  clock?: Clock;
  /** Receives warnings (lost connection, unroutable messages); default process warnings. */
  logger?: TransportLogger;
}

/** The options in effect. */
export type RedisTransportSettings = Required<Omit<RedisTransportOptions, 'url' | 'clock' | 'logger' | 'masterName' | 'sentinelKwargs' | 'clientName' | 'socketKeepalive'>> &
  Pick<RedisTransportOptions, 'masterName' | 'sentinelKwargs' | 'clientName' | 'socketKeepalive'>;

function positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new CeleriacError('CONFIG_INVALID', `redis transport: ${name} must be a positive number, got ${value}`);
  }
  return value;
}

/**
 * Fills defaults and derives the renewal timings.
 * @throws CeleriacError `CONFIG_INVALID` for a non-positive duration, empty priority steps or sep.
 */
export function resolveRedisTransportSettings(options: RedisTransportOptions): RedisTransportSettings {
  const d = redisTransportDefaults;
  const visibilityTimeoutMs = positive('visibilityTimeoutMs', options.visibilityTimeoutMs ?? d.visibilityTimeoutMs);
  const renewIntervalMs = positive('renewIntervalMs', options.renewIntervalMs ?? Math.max(50, Math.min(visibilityTimeoutMs / 4, 5_000)));
  const consumerTtlMs = positive(
    'consumerTtlMs',
    options.consumerTtlMs ?? Math.min(visibilityTimeoutMs, Math.max(3 * renewIntervalMs, 15_000)),
  );
  const prioritySteps = options.prioritySteps ?? d.prioritySteps;
  if (prioritySteps.length === 0) throw new CeleriacError('CONFIG_INVALID', 'redis transport: prioritySteps must not be empty');
  const sep = options.sep ?? d.sep;
  if (sep === '') throw new CeleriacError('CONFIG_INVALID', 'redis transport: sep must not be empty');
  return {
    visibilityTimeoutMs,
    prioritySteps: Object.freeze([...prioritySteps]),
    sep,
    globalKeyprefix: options.globalKeyprefix ?? d.globalKeyprefix,
    queueOrderStrategy: options.queueOrderStrategy ?? d.queueOrderStrategy,
    unackedMutexExpireMs: positive('unackedMutexExpireMs', options.unackedMutexExpireMs ?? d.unackedMutexExpireMs),
    unackedRestoreLimit: options.unackedRestoreLimit ?? d.unackedRestoreLimit,
    fanoutPrefix: options.fanoutPrefix ?? d.fanoutPrefix,
    fanoutPatterns: options.fanoutPatterns ?? d.fanoutPatterns,
    masterName: options.masterName,
    sentinelKwargs: options.sentinelKwargs,
    socketConnectTimeoutMs: positive('socketConnectTimeoutMs', options.socketConnectTimeoutMs ?? d.socketConnectTimeoutMs),
    socketTimeoutMs: positive('socketTimeoutMs', options.socketTimeoutMs ?? d.socketTimeoutMs),
    socketKeepalive: options.socketKeepalive,
    clientName: options.clientName,
    renewIntervalMs,
    consumerTtlMs,
    restoreIntervalMs: positive(
      'restoreIntervalMs',
      options.restoreIntervalMs ?? Math.max(250, Math.min(visibilityTimeoutMs / 2, 10_000)),
    ),
    brpopTimeoutMs: positive('brpopTimeoutMs', options.brpopTimeoutMs ?? d.brpopTimeoutMs),
    fetchBatchMax: Math.max(1, Math.min(Math.floor(options.fetchBatchMax ?? d.fetchBatchMax), 2_000)),
    stopTimeoutMs: positive('stopTimeoutMs', options.stopTimeoutMs ?? d.stopTimeoutMs),
    confirmPublish: options.confirmPublish ?? d.confirmPublish,
    maxUnconfirmedPublishes: Math.max(1, Math.floor(positive('maxUnconfirmedPublishes', options.maxUnconfirmedPublishes ?? d.maxUnconfirmedPublishes))),
  };
}
