/**
 * Exponential back-off with "full jitter" for task retries, the formula of Celery's
 * `get_exponential_backoff_interval` (celery/utils/time.py), used by `autoretryFor` with
 * `retryBackoff`. Pure: randomness is injected so tests can pin it.
 */

export interface ExponentialBackoff {
  /** Base delay in **seconds** (Celery's `retry_backoff`; `true` there means 1). Truncated to whole seconds, as Celery's `int()`. */
  factorSeconds: number;
  /** Retries already made (the current `request.retries`, 0 for the first retry). */
  retries: number;
  /** Upper bound in **seconds** (Celery's `retry_backoff_max`, default 600). Truncated to whole seconds. */
  maxSeconds: number;
  /** Pick uniformly in `[0, delay]` (whole seconds) instead of using the delay itself. */
  fullJitter: boolean;
  /** Uniform random in `[0, 1)`; default `Math.random`. */
  random?: () => number;
}

/**
 * The countdown in whole seconds: `min(max, factor × 2^retries)`, then with full jitter a
 * uniformly chosen whole number from 0 to that value inclusive (Python's
 * `random.randrange(countdown + 1)`); never negative.
 * @example exponentialBackoffSeconds({ factorSeconds: 2, retries: 3, maxSeconds: 600, fullJitter: false }) // 16
 */
export function exponentialBackoffSeconds(b: ExponentialBackoff): number {
  const factor = Math.trunc(b.factorSeconds);
  const max = Math.trunc(b.maxSeconds);
  let countdown = Math.min(max, factor * 2 ** b.retries);
  if (b.fullJitter) {
    const r = (b.random ?? Math.random)();
    // Clamp so a random source returning exactly 1 cannot exceed the bound.
    countdown = Math.min(countdown, Math.floor(r * (countdown + 1)));
  }
  return Math.max(0, countdown);
}
