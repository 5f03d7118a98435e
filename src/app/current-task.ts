/**
 * Which task is running in this async context, so a task that sends another gets its
 * `parent_id` and `root_id` filled in, as Celery does with `current_worker_task`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface CurrentTask {
  id: string;
  rootId: string;
}

export const currentTaskStorage = new AsyncLocalStorage<CurrentTask>();
