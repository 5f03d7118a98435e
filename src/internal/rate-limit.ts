/**
 * Rate limits as Celery writes them (`'10/s'`, `'100/m'`, `'1000/h'`, or a number of tasks per
 * second; kombu's `rate()`), and the token bucket Celery's worker keeps per task (kombu's
 * `TokenBucket(rate, capacity=1)`): with a capacity of one, a bucket is the time the next token
 * is due — one task per interval, no bursts, an idle bucket ready at once.
 */
import { CeleriacError } from '../errors.js';

const RATE = /^(\d+(?:\.\d+)?)(?:\/([smh]))?$/;
const SECONDS_PER_UNIT = { s: 1, m: 60, h: 3600 } as const;

/**
 * Tasks per second of a Celery rate limit; 0 means no limit (Celery's `'0'` and empty rates).
 * @throws CeleriacError('CONFIG_INVALID') for text that is not a rate.
 * @example parseRateLimit('100/m') // 1.666…
 */
export function parseRateLimit(rate: string | number): number {
  if (typeof rate === 'number') {
    if (!Number.isFinite(rate) || rate < 0) throw new CeleriacError('CONFIG_INVALID', `rate limit must be ≥ 0 tasks per second, got ${rate}`);
    return rate;
  }
  const m = RATE.exec(rate.trim());
  if (!m) throw new CeleriacError('CONFIG_INVALID', `rate limit '${rate}' is not a rate like '10/s', '100/m' or '1000/h'`);
  const unit = (m[2] ?? 's') as keyof typeof SECONDS_PER_UNIT;
  return Number(m[1]) / SECONDS_PER_UNIT[unit];
}

/** The interval between two tasks of a rate, in ms (Infinity-safe: 0 tasks/s means no limit → 0). */
export function rateIntervalMs(tasksPerSecond: number): number {
  return tasksPerSecond > 0 ? 1000 / tasksPerSecond : 0;
}

/** A capacity-1 token bucket (kombu's `TokenBucket` as Celery's worker uses it). */
export class TokenBucket {
  #nextMs = -Infinity;

  /** @param intervalMs ms between two tokens (see {@link rateIntervalMs}). */
  constructor(readonly intervalMs: number) {}

  /**
   * Take the token if it is due.
   * @returns 0 when taken, else the ms until it is due (nothing taken).
   */
  take(nowMs: number): number {
    if (nowMs < this.#nextMs) return this.#nextMs - nowMs;
    this.#nextMs = nowMs + this.intervalMs;
    return 0;
  }
}
