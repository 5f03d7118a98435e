/**
 * What every pool shares: its slots (a {@link SlotGate}) and the bookkeeping of one watched
 * call — time limits and `terminate` through `watchCall`, a cold stop ending it without an
 * outcome, and exactly one settlement whichever comes first.
 */
import type { SoftTimeLimitExceeded } from '../../errors.js';
import type { Clock } from '../../internal/clock.js';
import { watchCall } from './call-watch.js';
import { PoolStoppedError, type CallOptions, type CallOutcome, type Pool, type PoolKind, type PoolSlot, type PoolStats, type TaskCall } from './pool.js';
import { SlotGate } from './slot-gate.js';

export interface WatchedCallHandlers {
  /** Start the call; `finish` settles it with its outcome and says whether it was still open. */
  start(finish: (outcome: CallOutcome) => boolean): void;
  /** The soft limit passed (`options.abort` is aborted already). */
  onSoft?(reason: SoftTimeLimitExceeded): void;
  /** The hard limit or `terminate` ended the call (it settles with the reason as its error). */
  onEnd?(): void;
}

export abstract class SlotPool implements Pool {
  abstract readonly kind: PoolKind;
  readonly stats: PoolStats = { spawned: 0, recycled: 0, killed: 0, lost: 0 };
  protected readonly gate: SlotGate;
  /** Set by a cold stop. */
  protected coldReason: PoolStoppedError | null = null;
  /** Ends each running call without an outcome (a cold stop calls them). */
  private readonly running = new Set<(reason: Error) => void>();
  private readonly slot: PoolSlot = { call: (call, options) => this.call(call, options) };

  constructor(
    concurrency: number,
    protected readonly clock: Clock,
  ) {
    this.gate = new SlotGate(concurrency);
  }

  get concurrency(): number {
    return this.gate.size;
  }

  get active(): number {
    return this.gate.active;
  }

  get waiting(): number {
    return this.gate.waiting;
  }

  abstract start(): Promise<void>;
  abstract resize(concurrency: number): void;
  abstract stop(options: { graceful: boolean }): Promise<void>;
  protected abstract call(call: TaskCall, options: CallOptions): Promise<CallOutcome>;

  run<T>(job: (slot: PoolSlot) => Promise<T>): Promise<T> {
    return this.gate.run(() => job(this.slot));
  }

  drained(): Promise<void> {
    return this.gate.drained();
  }

  /** One call under watch; see {@link WatchedCallHandlers}. @throws PoolStoppedError when a cold stop ends it. */
  protected watched(options: CallOptions, handlers: WatchedCallHandlers): Promise<CallOutcome> {
    if (this.coldReason) return Promise.reject(this.coldReason);
    return new Promise<CallOutcome>((resolve, reject) => {
      let settled = false;
      let stopWatching = (): void => {};
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        stopWatching();
        this.running.delete(onCold);
        return true;
      };
      const onCold = (reason: Error): void => {
        if (!settle()) return;
        if (!options.abort.signal.aborted) options.abort.abort(reason);
        reject(reason);
      };
      this.running.add(onCold);
      stopWatching = watchCall(this.clock, options, {
        onSoft: (reason) => handlers.onSoft?.(reason),
        onEnd: (error) => {
          if (!settle()) return;
          handlers.onEnd?.();
          resolve({ ok: false, error });
        },
      });
      if (settled) return;
      handlers.start((outcome) => {
        if (!settle()) return false;
        resolve(outcome);
        return true;
      });
    });
  }

  /** Refuse new jobs; a cold stop also ends running calls with PoolStoppedError. */
  protected close(graceful: boolean): void {
    this.gate.close();
    if (graceful || this.coldReason) return;
    const reason = (this.coldReason = new PoolStoppedError('worker cold shutdown'));
    for (const end of [...this.running]) end(reason);
  }
}
