/**
 * `task_publish_retry_policy` (and `retry_policy` inside `result_backend_transport_options`):
 * kombu's `ensure()` retry arguments, seconds in Celery and milliseconds here.
 */
import { duration, int, nullable } from './codecs.js';
import { readFields, type FieldTable } from './field-reader.js';
import type { Codec } from './setting-spec.js';

/** How publishing retries when the broker connection fails (kombu's `ensure()` policy). */
export interface RetryPolicy {
  /** Give up after this many retries; null retries forever. Celery default 3. */
  readonly maxRetries: number | null;
  /** Wait before the first retry. Celery default 0 s. */
  readonly intervalStartMs: number;
  /** Added to the wait after each retry. Celery default 0.2 s. */
  readonly intervalStepMs: number;
  /** The wait never exceeds this. Celery default 1 s. */
  readonly intervalMaxMs: number;
}

/** What may be written: any subset, snake_case in seconds or camelCase in ms. */
export type RetryPolicyInput = Partial<RetryPolicy> & Readonly<Record<string, unknown>>;

/** Celery's `task_publish_retry_policy` default, in ms. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxRetries: 3,
  intervalStartMs: 0,
  intervalStepMs: 200,
  intervalMaxMs: 1000,
});

export const RETRY_POLICY_FIELDS: FieldTable = Object.freeze({
  max_retries: { key: 'maxRetries', codec: nullable(int({ min: 0 })) },
  interval_start: { key: 'intervalStartMs', codec: duration() },
  interval_step: { key: 'intervalStepMs', codec: duration() },
  interval_max: { key: 'intervalMaxMs', codec: duration() },
});

/**
 * A retry policy; fields left out take Celery's default policy, as Celery merges a partial
 * policy into its default before handing it to kombu.
 */
export function retryPolicy(): Codec<RetryPolicy, RetryPolicyInput> {
  const read = (value: unknown, name: string): RetryPolicy =>
    Object.freeze({ ...DEFAULT_RETRY_POLICY, ...readFields(value, name, RETRY_POLICY_FIELDS) });
  return Object.freeze({ type: 'RetryPolicy', nullable: false, env: 'json', fromCelery: read, fromCeleriac: read });
}
