/**
 * A virtual clock for tests: time moves only when the test says so, so ETAs, expiry and
 * result expiry are tested without sleeping.
 */
import type { Clock } from '../internal/clock.js';

interface Timer {
  dueMs: number;
  fn: () => void;
  cancelled: boolean;
}

export class FakeClock implements Clock {
  private timers: Timer[] = [];

  constructor(private current = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, delayMs: number): () => void {
    const timer: Timer = { dueMs: this.current + Math.max(0, delayMs), fn, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Move time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.dueMs <= target).sort((a, b) => a.dueMs - b.dueMs)[0];
      if (!due) break;
      this.current = Math.max(this.current, due.dueMs);
      due.cancelled = true;
      due.fn();
    }
    this.timers = this.timers.filter((t) => !t.cancelled);
    this.current = target;
  }
}
