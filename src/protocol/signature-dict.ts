/**
 * The dict form of a Celery signature, as Celery serialises it (celery/canvas.py `Signature`):
 * `{task, args, kwargs, options, subtask_type, immutable}` (+ `chord_size` on newer Celery).
 */
export interface SignatureDict {
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  options: Record<string, unknown>;
  subtask_type: string | null;
  immutable: boolean;
  chord_size?: number | null;
  [extra: string]: unknown;
}
