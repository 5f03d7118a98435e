/**
 * Injected time source (DESIGN.md convention 8): components read time through a Clock so ETA,
 * retries, expiry and time limits can be tested with a virtual clock instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Like `setTimeout`; returns a cancel function. */
  setTimer(fn: () => void, delayMs: number): () => void;
}

/** The real wall clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, delayMs) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref?.();
    return () => clearTimeout(t);
  },
};
