/**
 * The clock side of one call, shared by every pool: the soft and hard time limits (timers on the
 * injected clock, so tests move time instead of sleeping) and the worker's `terminate` switch.
 * Each pool decides what "end now" means for it: terminate a thread or child, or abandon an
 * async call. A class rather than closures: one is made per task, on the hot path.
 */
import { SoftTimeLimitExceeded, TimeLimitExceeded } from '../../errors.js';
import type { Clock } from '../../internal/clock.js';
import type { AbortListener } from '../../internal/lazy-abort-controller.js';
import type { CallOptions } from './pool.js';

export interface CallWatchHandlers {
  /** The soft limit passed; `options.abort` is already aborted with `reason` (pools running the task elsewhere forward it). */
  onSoft(reason: SoftTimeLimitExceeded): void;
  /** The call must end now: the hard limit passed (`TimeLimitExceeded`) or `terminate` was aborted (its reason). Called at most once. */
  onEnd(reason: unknown): void;
}

/**
 * Watches one call. `options.abort` is aborted with the reason of whichever comes first (later
 * aborts do nothing), so `ctx.signal` always says why.
 */
export class CallWatch implements AbortListener {
  private cancelSoft: (() => void) | undefined;
  private cancelHard: (() => void) | undefined;
  private done = false;

  constructor(
    private readonly clock: Clock,
    private readonly options: CallOptions,
    private readonly handlers: CallWatchHandlers,
  ) {}

  /** Arm the limits and listen for `terminate`; an already aborted `terminate` ends the call at once. */
  start(): void {
    const { terminate, timeLimitMs, softTimeLimitMs } = this.options;
    if (terminate?.aborted) {
      this.end(terminate.reason);
      return;
    }
    terminate?.addListener(this);
    if (softTimeLimitMs !== null && (timeLimitMs === null || softTimeLimitMs < timeLimitMs)) {
      this.cancelSoft = this.clock.setTimer(() => this.soft(softTimeLimitMs), softTimeLimitMs);
    }
    if (timeLimitMs !== null) this.cancelHard = this.clock.setTimer(() => this.end(new TimeLimitExceeded(timeLimitMs / 1000)), timeLimitMs);
  }

  /** `terminate` was aborted. */
  handleAbort(reason: unknown): void {
    this.end(reason);
  }

  /** Stop watching (the call settled). */
  dispose(): void {
    if (this.done) return;
    this.done = true;
    this.cancelSoft?.();
    this.cancelHard?.();
    this.options.terminate?.removeListener(this);
  }

  private soft(limitMs: number): void {
    if (this.done) return;
    const reason = new SoftTimeLimitExceeded(limitMs / 1000);
    this.options.abort.abort(reason);
    this.handlers.onSoft(reason);
  }

  private end(reason: unknown): void {
    if (this.done) return;
    this.dispose();
    this.options.abort.abort(reason);
    this.handlers.onEnd(reason);
  }
}
