/**
 * A {@link Clock} that only moves when told to, so expiry and timeouts are tested without sleeping.
 */
import type { Clock } from '../../src/internal/clock.js';

interface Timer {
  dueMs: number;
  seq: number;
  fn: () => void;
}

export class ManualClock implements Clock {
  private nowMs: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(startMs = Date.UTC(2026, 10, 21, 4, 57, 53)) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  setTimer(fn: () => void, delayMs: number): () => void {
    const timer: Timer = { dueMs: this.nowMs + Math.max(0, delayMs), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Move time forward, firing due timers in due order (timers they set fire too if due). */
  advance(ms: number): void {
    const target = this.nowMs + ms;
    for (;;) {
      const next = this.timers
        .filter((t) => t.dueMs <= target)
        .sort((a, b) => a.dueMs - b.dueMs || a.seq - b.seq)[0];
      if (next === undefined) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.nowMs = Math.max(this.nowMs, next.dueMs);
      next.fn();
    }
    this.nowMs = target;
  }

  /** Timers not yet fired. */
  get pendingTimers(): number {
    return this.timers.length;
  }
}
