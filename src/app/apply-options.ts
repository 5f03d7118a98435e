/**
 * Options of `applyAsync` / `sendTask`, Celery's `apply_async` keyword arguments in camelCase:
 * the {@link CallingOptions} a signature carries too, plus what only a direct call takes.
 */
import type { CallingOptions } from '../canvas/calling-options.js';
import type { BackoffPolicy } from '../internal/retry.js';

export interface ApplyOptions extends CallingOptions {
  /** Run no earlier than this time. */
  eta?: Date;
  /** Do not run after this: **seconds** from now, or an absolute time. An expired task becomes REVOKED. */
  expires?: number | Date;
  /** The task that sent this one (Celery's `parent_id`); filled in when a task sends another. */
  parentId?: string;
  /** The first task of the workflow (Celery's `root_id`); filled in when a task sends another. */
  rootId?: string;
  /** Retry publishing if the broker connection fails; default `task_publish_retry` (true). */
  retry?: boolean;
  /**
   * How to retry (Celery's `retry_policy`, here in ms): `maxRetries` (null: forever),
   * `intervalStartMs`, `intervalStepMs`, `intervalMaxMs`; default `task_publish_retry_policy`.
   */
  retryPolicy?: Partial<BackoffPolicy>;
}
