/**
 * The result backend seam: where task states and return values are stored and read (Celery's
 * `celery.backends.base.BaseBackend`). Implementations: `memory/`, `sqlite/`; `redis/` and `rpc/`
 * come later. Every implementation passes `test/conformance/backend.conformance.ts`.
 *
 * Rules every implementation keeps (celery-protocol.md §6):
 * - A task never stored reads as PENDING.
 * - A stored SUCCESS is never overwritten (Celery's dedup guard).
 * - Stored values expire after `resultExpiresMs` (Celery's `result_expires`, default 1 day);
 *   `null` or `0` keeps them forever.
 * - Values are kept in Celery's JSON layout (`protocol/result-codec.ts`), so what an embedded
 *   backend holds is byte-for-byte what Redis would.
 */
import type { ResultMeta } from '../protocol/result-meta.js';

/**
 * Defaults every backend shares (listed in `docs/reference/settings.md`).
 * - `resultExpiresMs`: Celery's `result_expires`, default `timedelta(days=1)`.
 */
export const resultBackendDefaults = {
  resultExpiresMs: 86_400_000,
} as const;

export interface BackendCapabilities {
  durable: boolean;
  crossProcess: boolean;
  /** Waiters are woken by the backend rather than by polling. */
  pushWakeups: boolean;
}

export interface WaitOptions {
  /** Give up after this many milliseconds (throws `ResultTimeoutError`); undefined = forever. */
  timeoutMs?: number;
  /**
   * Poll interval in milliseconds where the backend must poll (Celery's `interval`, there in
   * seconds); default: the backend's own (50 for sqlite). Backends that share one poller among
   * all waiters poll at the smallest interval asked for.
   */
  intervalMs?: number;
  /** Aborting rejects the wait with `signal.reason`. */
  signal?: AbortSignal;
}

export interface ResultBackend {
  readonly capabilities: BackendCapabilities;
  /**
   * Open (connections, schema, cleanup timer). Idempotent; also done lazily by the first call of
   * any other method, and allowed again after `stop()` to reopen.
   */
  start(): Promise<void>;
  /**
   * Flush pending writes and close; pending `waitForReady` calls reject with
   * `CeleriacError('BACKEND_CLOSED')`, and so does every call after it until `start()`.
   * Idempotent.
   */
  stop(): Promise<void>;
  /**
   * Store a state. Writes may be batched; the promise settles when this one is durable.
   * A SUCCESS already stored is kept (the call is a no-op).
   */
  storeResult(meta: ResultMeta): Promise<void>;
  /**
   * The stored meta, or a PENDING meta if none (or expired). Sees every write this instance has
   * accepted, even one still waiting in a batch (read-your-writes).
   */
  getMeta(taskId: string): Promise<ResultMeta>;
  /**
   * Resolve with the meta once the task is in a ready state (SUCCESS, FAILURE, REVOKED).
   * @throws ResultTimeoutError after `timeoutMs`.
   * @throws the signal's reason when aborted.
   */
  waitForReady(taskId: string, options?: WaitOptions): Promise<ResultMeta>;
  /** Delete the stored result (Celery's `AsyncResult.forget`). */
  forget(taskId: string): Promise<void>;
}
