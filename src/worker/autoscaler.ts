/**
 * `--autoscale max,min` (Celery's `celery.worker.autoscale.Autoscaler`): once a second the pool
 * grows to as many slots as there are tasks running or waiting, up to `max`; it shrinks back
 * towards `min` when demand falls, but not within `keepaliveMs` of the last growth (Celery's
 * AUTOSCALE_KEEPALIVE, 30 s), so a bursty queue does not thrash threads or children.
 */
import type { Clock } from '../internal/clock.js';
import type { Pool } from './pools/pool.js';

/** How often demand is checked (Celery: 1 s). */
export const AUTOSCALE_INTERVAL_MS = 1000;
/** How long after growing the pool may not shrink (Celery's AUTOSCALE_KEEPALIVE). */
export const AUTOSCALE_KEEPALIVE_MS = 30_000;

export class Autoscaler {
  private cancel: (() => void) | undefined;
  private lastGrowthMs: number | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly clock: Clock,
    private readonly range: { max: number; min: number },
    private readonly keepaliveMs = AUTOSCALE_KEEPALIVE_MS,
  ) {}

  start(): void {
    if (this.cancel) return;
    const tick = (): void => {
      this.scale();
      this.cancel = this.clock.setTimer(tick, AUTOSCALE_INTERVAL_MS);
    };
    this.cancel = this.clock.setTimer(tick, AUTOSCALE_INTERVAL_MS);
  }

  stop(): void {
    this.cancel?.();
    this.cancel = () => {};
  }

  /** One decision: grow to demand, or shrink towards it once the keepalive has passed. */
  scale(): void {
    const demand = this.pool.active + this.pool.waiting;
    const current = this.pool.concurrency;
    const up = Math.min(demand, this.range.max);
    if (up > current) {
      this.lastGrowthMs = this.clock.now();
      this.pool.resize(up);
      return;
    }
    const down = Math.max(demand, this.range.min);
    if (down < current && (this.lastGrowthMs === null || this.clock.now() - this.lastGrowthMs > this.keepaliveMs)) {
      this.pool.resize(down);
    }
  }
}
