/**
 * Options of `applyAsync` / `sendTask`, Celery's `apply_async` keyword arguments in camelCase.
 * More (compression...) arrive with the rest of the task-semantics issue.
 */
import type { AnySignature } from '../canvas/signature.js';
import type { BackoffPolicy } from '../internal/retry.js';

export interface ApplyOptions {
  /** Use this id instead of a fresh UUID (Celery's `task_id`). */
  taskId?: string;
  /** Run no earlier than this many **seconds** from now (Celery's unit, kept because users type it from Celery docs). */
  countdown?: number;
  /** Run no earlier than this time. */
  eta?: Date;
  /** Do not run after this: **seconds** from now, or an absolute time. An expired task becomes REVOKED. */
  expires?: number | Date;
  /** Queue name; routed through the anonymous exchange with routing key = queue. */
  queue?: string;
  /** Exchange to publish to (with `routingKey`); default: the anonymous exchange. */
  exchange?: string;
  routingKey?: string;
  /** 0..9, lower served first on the embedded and Redis transports (kombu's convention). */
  priority?: number;
  /** Extra message headers, merged after Celery's standard ones. */
  headers?: Record<string, unknown>;
  /** Do not store the result (sets the `ignore_result` header). */
  ignoreResult?: boolean;
  /** Serializer name (`json`, `msgpack`); default: the task's `serializer`, then `task_serializer`. */
  serializer?: string;
  /**
   * Compress the message body (Celery's `compression`): `zlib` or `gzip` (both write what kombu
   * writes: header `application/x-gzip`, a zlib stream), or `brotli`. Default: the task's
   * `compression`, then `task_compression` (none).
   */
  compression?: string;
  /** Display name in logs/monitoring instead of the task name (Celery's `shadow`). */
  shadow?: string;
  /** Hard time limit in seconds (Celery's `time_limit`). */
  timeLimit?: number;
  /** Soft time limit in seconds (Celery's `soft_time_limit`). */
  softTimeLimit?: number;
  /** Parent and root ids, normally filled in when a task sends another. */
  parentId?: string;
  rootId?: string;
  /** Retry publishing if the broker connection fails; default `task_publish_retry` (true). */
  retry?: boolean;
  /**
   * How to retry (Celery's `retry_policy`, here in ms): `maxRetries` (null: forever),
   * `intervalStartMs`, `intervalStepMs`, `intervalMaxMs`; default `task_publish_retry_policy`.
   */
  retryPolicy?: Partial<BackoffPolicy>;
  /** Group membership (set by canvas). */
  groupId?: string;
  groupIndex?: number;
  /**
   * Applied when the task succeeds, with its return value prepended to the callback's arguments
   * (Celery's `link`; sent in the message's `callbacks`, so whichever worker runs the task —
   * Python or celeriac — applies them).
   */
  link?: AnySignature | AnySignature[];
  /** Applied with the task's id when it fails (Celery's `link_error`; the message's `errbacks`). */
  linkError?: AnySignature | AnySignature[];
  /** Set by canvas: the chain steps left after this task, last to run first. */
  chain?: AnySignature[];
  /** Set by canvas: the chord body this task is a header part of. */
  chord?: AnySignature;
  /** Reply address (`reply_to` property); default the app's oid, as Celery. */
  replyTo?: string;
}
