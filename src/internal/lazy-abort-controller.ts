/**
 * An AbortController whose `AbortSignal` is only made when someone reads `signal`. Node's
 * signals are EventTargets that cost microseconds each to create; a worker needs two per task
 * (its per-request switch and the task's `ctx.signal`) but most tasks never look at either, so
 * this keeps the hot path free of them. `addListener` is a cheap listener for the worker's own
 * use (an object with a method, so listening allocates no closure).
 */
export interface AbortListener {
  handleAbort(reason: unknown): void;
}

export class LazyAbortController {
  private controller: AbortController | null = null;
  private listeners: AbortListener[] | null = null;
  private abortedReason: unknown = undefined;
  private isAborted = false;

  /** A real AbortSignal, made on first read (already aborted if `abort` came first). */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.isAborted) this.controller.abort(this.abortedReason);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.isAborted;
  }

  /** The reason given to the first `abort`, or undefined. */
  get reason(): unknown {
    return this.abortedReason;
  }

  /** Abort once; later calls do nothing (as AbortController). */
  abort(reason?: unknown): void {
    if (this.isAborted) return;
    this.isAborted = true;
    this.abortedReason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    this.controller?.abort(this.abortedReason);
    const listeners = this.listeners;
    this.listeners = null;
    if (listeners) for (const l of listeners) l.handleAbort(this.abortedReason);
  }

  /** Call `listener.handleAbort(reason)` on abort (at once if already aborted). */
  addListener(listener: AbortListener): void {
    if (this.isAborted) listener.handleAbort(this.abortedReason);
    else (this.listeners ??= []).push(listener);
  }

  removeListener(listener: AbortListener): void {
    const at = this.listeners?.indexOf(listener) ?? -1;
    if (at !== -1) this.listeners!.splice(at, 1);
  }
}
