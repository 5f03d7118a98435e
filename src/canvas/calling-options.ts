/**
 * The calling options a task message is sent with — Celery's `apply_async` keyword arguments in
 * camelCase (Celery's names on the wire) — that a signature carries and `applyAsync` /
 * `sendTask` take alike. {@link SignatureOptions} and the app's `ApplyOptions` each add the few
 * they spell differently (`eta`, `expires`, the parent and root ids) and their own extras.
 * Durations in **seconds**, as in Celery.
 */
import type { AnySignature } from './signature.js';

export interface CallingOptions {
  /** Use this id instead of a fresh UUID (Celery's `task_id`); frozen signatures carry theirs here. */
  taskId?: string;
  /**
   * Run no earlier than this many **seconds** after sending (Celery's unit, kept because users
   * type it from Celery docs).
   */
  countdown?: number;
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
  /** Hard time limit in **seconds** (Celery's `time_limit`). */
  timeLimit?: number;
  /** Soft time limit in **seconds** (Celery's `soft_time_limit`). */
  softTimeLimit?: number;
  /**
   * Group membership (set by canvas); on a signature, once set it is never replaced by a merge
   * (Celery's `_IMMUTABLE_OPTIONS`).
   */
  groupId?: string;
  groupIndex?: number;
  /** Reply address (`reply_to` property); default the app's oid, as Celery. */
  replyTo?: string;
  /**
   * Applied when the task succeeds, with its return value prepended to the callback's arguments
   * (Celery's `link`; sent in the message's `callbacks`, so whichever worker runs the task —
   * Python or celeriac — applies them).
   */
  link?: AnySignature | AnySignature[];
  /** Applied with the task's id when it fails (Celery's `link_error`; the message's `errbacks`). */
  linkError?: AnySignature | AnySignature[];
  /** Set by canvas: the chord body this task is a header part of. */
  chord?: AnySignature;
  /** Set by canvas: the chain steps left after this task, last to run first. */
  chain?: AnySignature[];
}
