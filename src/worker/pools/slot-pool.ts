/**
 * What every pool shares: its slots (a {@link SlotGate}) and the bookkeeping of one watched
 * call — time limits and `terminate` through `watchCall`, a cold stop ending it without an
 * outcome, and exactly one settlement whichever comes first.
 */
import type { SoftTimeLimitExceeded } from '../../errors.js';
import type { Clock } from '../../internal/clock.js';
import { EntryList, type ListEntry } from '../../internal/entry-list.js';
import { CallWatch, type CallWatchHandlers } from './call-watch.js';
import { PoolStoppedError, type CallOptions, type CallOutcome, type Pool, type PoolKind, type PoolSlot, type PoolStats, type TaskCall } from './pool.js';
import { SlotGate } from './slot-gate.js';

export interface WatchedCallHandlers {
  /** Start the call; it settles through `call.finish(outcome)`, which says whether it was still open. */
  start(call: WatchedCall): void;
  /** The soft limit passed (`options.abort` is aborted already). */
  onSoft?(reason: SoftTimeLimitExceeded): void;
  /** The hard limit or `terminate` ended the call (it settles with the reason as its error). */
  onEnd?(): void;
}

/** One call under watch: settles once, by its outcome, the hard limit, `terminate` or a cold stop. */
export class WatchedCall implements CallWatchHandlers {
  private settled = false;
  private readonly watch: CallWatch;
  private readonly entry: ListEntry<WatchedCall>;

  constructor(
    private readonly running: EntryList<WatchedCall>,
    private readonly options: CallOptions,
    private readonly handlers: WatchedCallHandlers,
    private readonly resolve: (outcome: CallOutcome) => void,
    private readonly reject: (reason: Error) => void,
    clock: Clock,
  ) {
    this.watch = new CallWatch(clock, options, this);
    this.entry = running.add(this);
    this.watch.start();
    if (!this.settled) handlers.start(this);
  }

  /** Settle with the call's outcome. @returns false when it had already ended (the outcome is dropped). */
  finish(outcome: CallOutcome): boolean {
    if (!this.settle()) return false;
    this.resolve(outcome);
    return true;
  }

  onSoft(reason: SoftTimeLimitExceeded): void {
    this.handlers.onSoft?.(reason);
  }

  onEnd(error: unknown): void {
    if (!this.settle()) return;
    this.handlers.onEnd?.();
    this.resolve({ ok: false, error });
  }

  /** A cold stop: end without an outcome (nothing is stored). */
  cold(reason: Error): void {
    if (!this.settle()) return;
    this.options.abort.abort(reason);
    this.reject(reason);
  }

  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.watch.dispose();
    this.running.remove(this.entry);
    return true;
  }
}

export abstract class SlotPool implements Pool {
  abstract readonly kind: PoolKind;
  readonly stats: PoolStats = { spawned: 0, recycled: 0, killed: 0, lost: 0 };
  protected readonly gate: SlotGate;
  /** Set by a cold stop. */
  protected coldReason: PoolStoppedError | null = null;
  /** Calls under watch, which a cold stop ends (an EntryList: a Set churned per task keeps finished calls alive for V8). */
  private readonly running = new EntryList<WatchedCall>();
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
  protected abstract call(call: TaskCall, options: CallOptions): CallOutcome | Promise<CallOutcome>;

  run<T>(job: (slot: PoolSlot) => Promise<T>): Promise<T> {
    return this.gate.run(() => job(this.slot));
  }

  drained(): Promise<void> {
    return this.gate.drained();
  }

  /** One call under watch; see {@link WatchedCallHandlers}. @throws PoolStoppedError when a cold stop ends it. */
  protected watched(options: CallOptions, handlers: WatchedCallHandlers): Promise<CallOutcome> {
    if (this.coldReason) return Promise.reject(this.coldReason);
    return new Promise<CallOutcome>((resolve, reject) => new WatchedCall(this.running, options, handlers, resolve, reject, this.clock));
  }

  /** Refuse new jobs; a cold stop also ends running calls with PoolStoppedError. */
  protected close(graceful: boolean): void {
    this.gate.close();
    if (graceful || this.coldReason) return;
    const reason = (this.coldReason = new PoolStoppedError('worker cold shutdown'));
    for (const call of this.running.values()) call.cold(reason);
  }
}
