/**
 * The clock side of one call, shared by every pool: the soft and hard time limits (timers on the
 * injected clock, so tests move time instead of sleeping) and the worker's `terminate` signal.
 * Each pool decides what "end now" means for it: terminate a thread or child, or abandon an
 * async call.
 */
import { SoftTimeLimitExceeded, TimeLimitExceeded } from '../../errors.js';
import type { Clock } from '../../internal/clock.js';
import type { CallOptions } from './pool.js';

export interface CallWatchHandlers {
  /** The soft limit passed; `options.abort` is already aborted with `reason` (pools running the task elsewhere forward it). */
  onSoft(reason: SoftTimeLimitExceeded): void;
  /** The call must end now: the hard limit passed (`TimeLimitExceeded`) or `terminate` was aborted (its reason). Called at most once. */
  onEnd(reason: unknown): void;
}

/**
 * Start watching a call. `options.abort` is aborted (when not already) with the reason of
 * whichever comes first, so `ctx.signal` always says why.
 * @returns stop watching (call it when the call settles).
 */
export function watchCall(clock: Clock, options: CallOptions, handlers: CallWatchHandlers): () => void {
  const { abort, terminate, timeLimitMs, softTimeLimitMs } = options;
  let cancelSoft: (() => void) | undefined;
  let cancelHard: (() => void) | undefined;
  let done = false;
  const dispose = (): void => {
    done = true;
    cancelSoft?.();
    cancelHard?.();
    terminate?.removeEventListener('abort', onTerminate);
  };
  const end = (reason: unknown): void => {
    if (done) return;
    dispose();
    if (!abort.signal.aborted) abort.abort(reason);
    handlers.onEnd(reason);
  };
  function onTerminate(): void {
    end(terminate!.reason);
  }
  if (terminate?.aborted) {
    end(terminate.reason);
    return dispose;
  }
  terminate?.addEventListener('abort', onTerminate, { once: true });
  if (softTimeLimitMs !== null && (timeLimitMs === null || softTimeLimitMs < timeLimitMs)) {
    cancelSoft = clock.setTimer(() => {
      if (done) return;
      const reason = new SoftTimeLimitExceeded(softTimeLimitMs / 1000);
      if (!abort.signal.aborted) abort.abort(reason);
      handlers.onSoft(reason);
    }, softTimeLimitMs);
  }
  if (timeLimitMs !== null) cancelHard = clock.setTimer(() => end(new TimeLimitExceeded(timeLimitMs / 1000)), timeLimitMs);
  return dispose;
}
