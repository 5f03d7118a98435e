/**
 * The pending `waitForReady` calls of one backend, grouped by task id, so a single write (or a
 * single query after another process's write) settles every waiter of that task at once. Each
 * waiter owns its timeout timer and abort listener and releases both however it settles.
 */
import { ResultTimeoutError } from '../errors.js';
import type { Clock } from '../internal/clock.js';
import type { ResultMeta } from '../protocol/result-meta.js';
import type { WaitOptions } from './backend.js';

interface Waiter {
  resolve(meta: ResultMeta): void;
  reject(error: unknown): void;
}

/** Node's timers overflow past this many milliseconds (about 24.8 days) and fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

export class WaiterRegistry {
  private readonly byTask = new Map<string, Set<Waiter>>();

  /**
   * @param clock times `timeoutMs`
   * @param onIdle called whenever the last waiter leaves, so a backend can stop its wake-up source
   */
  constructor(
    private readonly clock: Clock,
    private readonly onIdle: () => void = () => {},
  ) {}

  /** Number of distinct task ids being waited on. */
  get size(): number {
    return this.byTask.size;
  }

  has(taskId: string): boolean {
    return this.byTask.has(taskId);
  }

  /** The task ids being waited on (live view; do not settle while iterating it). */
  taskIds(): IterableIterator<string> {
    return this.byTask.keys();
  }

  /**
   * A promise settled by {@link settle}, by `timeoutMs` (rejects with `ResultTimeoutError`) or by
   * `signal` (rejects with the signal's reason). `timeoutMs` undefined or not finite = no timeout.
   */
  wait(taskId: string, options: WaitOptions): Promise<ResultMeta> {
    const { timeoutMs, signal } = options;
    // The contract is to reject with the signal's reason, whatever value it is.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    if (signal?.aborted) return Promise.reject(signal.reason as unknown);
    return new Promise<ResultMeta>((resolve, reject) => {
      let cancelTimer: (() => void) | undefined;
      const release = (): void => {
        cancelTimer?.();
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        resolve(meta) {
          release();
          resolve(meta);
        },
        reject(error) {
          release();
          // A timeout error, a closed-backend error or the abort signal's reason (any value).
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          reject(error);
        },
      };
      const onAbort = (): void => {
        this.remove(taskId, waiter);
        waiter.reject(signal?.reason);
      };
      if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
        cancelTimer = this.clock.setTimer(
          () => {
            cancelTimer = undefined;
            this.remove(taskId, waiter);
            waiter.reject(new ResultTimeoutError(taskId, timeoutMs));
          },
          Math.min(Math.max(0, timeoutMs), MAX_TIMER_MS),
        );
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      let waiters = this.byTask.get(taskId);
      if (!waiters) {
        waiters = new Set();
        this.byTask.set(taskId, waiters);
      }
      waiters.add(waiter);
    });
  }

  /** Resolve every waiter of `taskId` with `meta` (they share the object). */
  settle(taskId: string, meta: ResultMeta): void {
    const waiters = this.byTask.get(taskId);
    if (!waiters) return;
    this.byTask.delete(taskId);
    for (const waiter of waiters) waiter.resolve(meta);
    if (this.byTask.size === 0) this.onIdle();
  }

  /** Reject every waiter of `taskId` (its stored value cannot be decoded). */
  fail(taskId: string, error: unknown): void {
    const waiters = this.byTask.get(taskId);
    if (!waiters) return;
    this.byTask.delete(taskId);
    for (const waiter of waiters) waiter.reject(error);
    if (this.byTask.size === 0) this.onIdle();
  }

  /** Reject every waiter (the backend is stopping). */
  rejectAll(error: unknown): void {
    const all = [...this.byTask.values()];
    this.byTask.clear();
    for (const waiters of all) for (const waiter of waiters) waiter.reject(error);
    if (all.length > 0) this.onIdle();
  }

  private remove(taskId: string, waiter: Waiter): void {
    const waiters = this.byTask.get(taskId);
    if (!waiters?.delete(waiter)) return;
    if (waiters.size === 0) {
      this.byTask.delete(taskId);
      if (this.byTask.size === 0) this.onIdle();
    }
  }
}
