/**
 * Celery's `broker_transport_options` as the transports receive them: kombu's option names in
 * camelCase, durations in ms. The config layer reads the user's snake_case / seconds spelling into
 * this shape once (`src/app/config/transport-options-codec.ts`, which re-exports the type); each
 * transport reads the options it knows and reports the others as having no effect.
 *
 * (A type alias rather than an interface so it is assignable to `Readonly<Record<string, unknown>>`.)
 */
export type TransportOptions = {
  /** Redis, sqlite: an unacked message returns to its queue after this long (kombu default 3600 s). */
  readonly visibilityTimeoutMs?: number;
  /** How often polling transports look for new messages (kombu default 1 s; Redis blocks instead). */
  readonly pollingIntervalMs?: number;
  /** Redis: which queue a worker listening to several reads first. */
  readonly queueOrderStrategy?: 'round_robin' | 'priority' | 'sorted';
  /** Redis: the priority buckets (kombu default [0, 3, 6, 9]). */
  readonly prioritySteps?: readonly number[];
  /** Redis: separator between a queue name and its priority bucket (kombu default `\x06\x16`). */
  readonly sep?: string;
  /** Redis: prefix for every key kombu/Celery writes. */
  readonly globalKeyprefix?: string;
  /** Redis: prefix fanout channels with the database number (`true`) or this string. */
  readonly fanoutPrefix?: boolean | string;
  /** Redis: fanout by routing-key pattern. */
  readonly fanoutPatterns?: boolean;
  /** Redis: emulate acks with the unacked hash (kombu default true). */
  readonly ackEmulation?: boolean;
  /** Redis: how many unacked messages one restore pass moves back. */
  readonly unackedRestoreLimit?: number | null;
  /** Redis: how long the restore mutex is held at most (kombu default 300 s). */
  readonly unackedMutexExpireMs?: number;
  readonly maxConnections?: number;
  readonly socketTimeoutMs?: number;
  readonly socketConnectTimeoutMs?: number;
  readonly socketKeepalive?: boolean;
  readonly healthCheckIntervalMs?: number;
  readonly retryOnTimeout?: boolean;
  readonly clientName?: string;
  /** Redis Sentinel: the monitored master's name. */
  readonly masterName?: string;
  readonly sentinelKwargs?: Readonly<Record<string, unknown>>;
  /**
   * Wait for the broker to acknowledge each publish (AMQP: publisher confirms; Redis: the `LPUSH`
   * reply, celeriac's default true — see `RedisTransportOptions.confirmPublish`).
   */
  readonly confirmPublish?: boolean;
  /** Redis with `confirmPublish` false (celeriac): most unacknowledged publishes at once (default 1,000). */
  readonly maxUnconfirmedPublishes?: number;
  readonly connectTimeoutMs?: number;
  readonly readTimeoutMs?: number;
  readonly writeTimeoutMs?: number;
  /** Connection retry (kombu `ensure_connection`): give up after this many retries; null = forever. */
  readonly maxRetries?: number | null;
  readonly intervalStartMs?: number;
  readonly intervalStepMs?: number;
  readonly intervalMaxMs?: number;
  /** Result backends: retry policy of backend operations (partial; the backend fills defaults). */
  readonly retryPolicy?: Partial<TransportRetryPolicy>;
};

/** kombu's `ensure()` retry arguments in ms (the app's `RetryPolicy` has this shape). */
export interface TransportRetryPolicy {
  /** Give up after this many retries; null retries forever. */
  readonly maxRetries: number | null;
  readonly intervalStartMs: number;
  readonly intervalStepMs: number;
  readonly intervalMaxMs: number;
}

/** Celery's spelling of a {@link TransportOptions} field, for messages: `visibilityTimeoutMs` → `visibility_timeout`. */
export function celeryOptionName(field: string): string {
  return field.replace(/Ms$/, '').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
