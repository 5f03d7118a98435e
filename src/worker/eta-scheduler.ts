/**
 * Holds requests whose ETA (or countdown) is in the future until they are due, then hands them
 * on. One timer for the earliest entry, not one per request, so thousands of scheduled tasks
 * cost one timer. The messages stay unacked meanwhile (Celery's behaviour,
 * celery/worker/strategy.py), so a worker that dies does not lose them.
 */
import type { Clock } from '../internal/clock.js';

interface Entry<T> {
  dueMs: number;
  seq: number;
  item: T;
}

export class EtaScheduler<T> {
  private heap: Entry<T>[] = [];
  private seq = 0;
  private cancelTimer: (() => void) | undefined;
  private timerDueMs = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly onDue: (item: T) => void,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  /** Entries in due order (for inspection: Celery's `inspect scheduled`). */
  scheduled(): Array<{ dueMs: number; item: T }> {
    return [...this.heap].sort((a, b) => a.dueMs - b.dueMs || a.seq - b.seq).map((e) => ({ dueMs: e.dueMs, item: e.item }));
  }

  /** Schedule `item` for `dueMs` (ms since the epoch); a due time in the past fires on the next tick. */
  add(item: T, dueMs: number): void {
    this.push({ dueMs, seq: this.seq++, item });
    this.arm();
  }

  /** Remove every entry and return their items (on shutdown, to release their messages). */
  clear(): T[] {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.timerDueMs = Infinity;
    const items = this.heap.map((e) => e.item);
    this.heap = [];
    return items;
  }

  private arm(): void {
    const top = this.heap[0];
    if (!top || top.dueMs >= this.timerDueMs) return;
    this.cancelTimer?.();
    this.timerDueMs = top.dueMs;
    this.cancelTimer = this.clock.setTimer(() => this.fire(), top.dueMs - this.clock.now());
  }

  private fire(): void {
    this.cancelTimer = undefined;
    this.timerDueMs = Infinity;
    const now = this.clock.now();
    while (this.heap.length > 0 && this.heap[0]!.dueMs <= now) this.onDue(this.pop().item);
    this.arm();
  }

  private less(a: Entry<T>, b: Entry<T>): boolean {
    return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
  }

  private push(entry: Entry<T>): void {
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): Entry<T> {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
