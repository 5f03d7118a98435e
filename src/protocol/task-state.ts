/** Celery's task states (celery/states.py). */
export const TaskStates = [
  'PENDING',
  'RECEIVED',
  'STARTED',
  'SUCCESS',
  'FAILURE',
  'REVOKED',
  'REJECTED',
  'RETRY',
  'IGNORED',
] as const;
export type TaskState = (typeof TaskStates)[number];

/** States after which a task will not change again (celery.states.READY_STATES). */
export const READY_STATES: ReadonlySet<TaskState> = new Set(['SUCCESS', 'FAILURE', 'REVOKED']);
/** States whose result is an exception (celery.states.EXCEPTION_STATES). */
export const EXCEPTION_STATES: ReadonlySet<TaskState> = new Set(['RETRY', 'FAILURE', 'REVOKED']);
/** States that `get()` rethrows by default (celery.states.PROPAGATE_STATES). */
export const PROPAGATE_STATES: ReadonlySet<TaskState> = new Set(['FAILURE', 'REVOKED']);
