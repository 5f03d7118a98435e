/**
 * `broker_transport_options` and `result_backend_transport_options`: kombu's per-transport
 * options, read once into camelCase fields with durations in ms. Only options of the transports
 * celeriac has (Redis, AMQP, and the embedded ones) are known; others (SQS's `region`...) are
 * errors with a suggestion rather than silently dropped.
 */
import { bool, choice, duration, int, nullable, record, text } from './codecs.js';
import { readFields, type FieldTable } from './field-reader.js';
import type { TransportOptions } from '../../transports/transport-options.js';
import { RETRY_POLICY_FIELDS, type RetryPolicy } from './retry-policy-codec.js';
import { describeValue, invalid, type Codec } from './setting-spec.js';

export type { TransportOptions };

/** What may be written: snake_case in Celery's units, or the camelCase fields in ms. */
export type TransportOptionsInput = TransportOptions & Readonly<Record<string, unknown>>;

function intList(): Codec<readonly number[]> {
  const read = (value: unknown, name: string) => {
    if (!Array.isArray(value)) invalid(name, `expected a list of integers, got ${describeValue(value)}`);
    return Object.freeze(value.map((v, i) => int({ min: 0 }).fromCelery(v, `${name}[${i}]`)));
  };
  return Object.freeze({ type: 'integer[]', nullable: false, env: 'json', fromCelery: read, fromCeleriac: read });
}

function stringOrBool(): Codec<string | boolean> {
  const read = (value: unknown, name: string) => {
    if (typeof value !== 'string' && typeof value !== 'boolean') invalid(name, `expected a string or a boolean, got ${describeValue(value)}`);
    return value;
  };
  return Object.freeze({ type: 'string | boolean', nullable: false, env: 'text', fromCelery: read, fromCeleriac: read });
}

function partialRetryPolicy(): Codec<Partial<RetryPolicy>> {
  const read = (value: unknown, name: string) => Object.freeze(readFields(value, name, RETRY_POLICY_FIELDS));
  return Object.freeze({ type: 'RetryPolicy', nullable: false, env: 'json', fromCelery: read, fromCeleriac: read });
}

const FIELDS: FieldTable = Object.freeze({
  visibility_timeout: { key: 'visibilityTimeoutMs', codec: duration() },
  polling_interval: { key: 'pollingIntervalMs', codec: duration() },
  queue_order_strategy: { key: 'queueOrderStrategy', codec: choice(['round_robin', 'priority', 'sorted']) },
  priority_steps: { key: 'prioritySteps', codec: intList() },
  sep: { key: 'sep', codec: text() },
  global_keyprefix: { key: 'globalKeyprefix', codec: text() },
  fanout_prefix: { key: 'fanoutPrefix', codec: stringOrBool() },
  fanout_patterns: { key: 'fanoutPatterns', codec: bool() },
  ack_emulation: { key: 'ackEmulation', codec: bool() },
  unacked_restore_limit: { key: 'unackedRestoreLimit', codec: nullable(int({ min: 1 })) },
  unacked_mutex_expire: { key: 'unackedMutexExpireMs', codec: duration() },
  max_connections: { key: 'maxConnections', codec: int({ min: 1 }) },
  socket_timeout: { key: 'socketTimeoutMs', codec: duration() },
  socket_connect_timeout: { key: 'socketConnectTimeoutMs', codec: duration() },
  socket_keepalive: { key: 'socketKeepalive', codec: bool() },
  health_check_interval: { key: 'healthCheckIntervalMs', codec: duration() },
  retry_on_timeout: { key: 'retryOnTimeout', codec: bool() },
  client_name: { key: 'clientName', codec: text() },
  master_name: { key: 'masterName', codec: text({ nonEmpty: true }) },
  sentinel_kwargs: { key: 'sentinelKwargs', codec: record() },
  confirm_publish: { key: 'confirmPublish', codec: bool() },
  max_unconfirmed_publishes: { key: 'maxUnconfirmedPublishes', codec: int({ min: 1 }) },
  connect_timeout: { key: 'connectTimeoutMs', codec: duration() },
  read_timeout: { key: 'readTimeoutMs', codec: duration() },
  write_timeout: { key: 'writeTimeoutMs', codec: duration() },
  ...RETRY_POLICY_FIELDS,
  retry_policy: { key: 'retryPolicy', codec: partialRetryPolicy() },
});

/** Transport options; unknown options are errors with a suggestion. */
export function transportOptions(): Codec<TransportOptions, TransportOptionsInput> {
  const read = (value: unknown, name: string): TransportOptions => Object.freeze(readFields(value, name, FIELDS));
  return Object.freeze({ type: 'TransportOptions', nullable: false, env: 'json', fromCelery: read, fromCeleriac: read });
}
