/**
 * The pool seam: where task functions run. `async` (the event loop, default) now; `threads`
 * (worker_threads) and `processes` (child processes) arrive with the task-semantics issue.
 * Mirrors the role of Celery's `-P` pools (celery/concurrency/).
 */
export interface Pool {
  /** Jobs that may run at once (Celery's `-c`). */
  readonly concurrency: number;
  /** Jobs running now. */
  readonly active: number;
  /** Jobs waiting for a free slot. */
  readonly waiting: number;
  /**
   * Run a job when a slot is free. The promise settles with the job's outcome.
   * The job receives an AbortSignal that fires on cold shutdown.
   */
  run<T>(job: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** Resolves when nothing is running or waiting. */
  drained(): Promise<void>;
  /**
   * Stop. `graceful`: drop jobs still waiting (their messages stay unacked and return to the
   * queue) and wait for running ones; otherwise abort running jobs too.
   */
  stop(options: { graceful: boolean }): Promise<void>;
}
