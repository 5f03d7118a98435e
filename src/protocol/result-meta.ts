/**
 * A task's stored result, camelCase. `protocol/result-codec.ts` converts it to and from Celery's
 * JSON layout (key order `status, result, traceback, children, date_done, [group_id],
 * [parent_id], [name, args, kwargs, worker, retries, queue], task_id` — celery-protocol.md §6.2),
 * so every backend stores the bytes a Python client expects.
 */
import type { TaskState } from './task-state.js';

/** Celery's serialized exception (celery-protocol.md §6.3). */
export interface SerializedException {
  exc_type: string;
  exc_message: unknown[];
  exc_module: string;
}

export interface ResultMeta {
  taskId: string;
  /**
   * The state. A custom state written by Python (`update_state(state='PROGRESS')`) is decoded as
   * stored even though it is outside the {@link TaskState} union.
   */
  status: TaskState;
  /** The return value; for FAILURE/RETRY/REVOKED a {@link SerializedException}. */
  result: unknown;
  traceback: string | null;
  /** Result tuples of tasks this task sent (Celery's `children`). */
  children: unknown[];
  /** Naive UTC ISO text (`datetime.utcnow().isoformat()`), null while not ready. */
  dateDone: string | null;
  groupId?: string | null;
  parentId?: string | null;
  /** Present with `result_extended`. */
  extended?: {
    name: string | null;
    args: unknown[] | null;
    kwargs: Record<string, unknown> | null;
    worker: string | null;
    retries: number | null;
    queue: string | null;
  };
}
