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
import type { TaskState } from '../protocol/task-state.js';

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

/** A chord header task's outcome, reported to the chord's join (Celery's `on_chord_part_return`). */
export interface ChordPart {
  /** The chord's group id (the header tasks' `group`). */
  groupId: string;
  taskId: string;
  /** Position in the header (`group_index`); null sorts last, as Celery's `+inf` score. */
  groupIndex: number | null;
  /** SUCCESS, or FAILURE / REVOKED for a part that did not produce a value. */
  state: TaskState;
  /** The return value, or the serialized exception (`{exc_type, exc_message, exc_module}`). */
  result: unknown;
}

/** One header result as the join returns it. */
export interface ChordPartResult {
  taskId: string;
  state: TaskState;
  result: unknown;
}

/**
 * What a reported part did to its chord's join:
 * - `pending`: more parts to come;
 * - `complete`: this part was the last one; `parts` are all of them in header order, and the join
 *   is removed — exactly one reporter gets this, so exactly one applies the body;
 * - `failed`: this part failed while the join was open; the join is removed (later parts get
 *   `closed`), so the reporter fails the body — once;
 * - `closed`: no join is open for this group (already completed or failed, expired, or no size
 *   was ever recorded).
 */
export type ChordJoin =
  | { kind: 'pending' }
  | { kind: 'complete'; parts: ChordPartResult[] }
  | { kind: 'failed' }
  | { kind: 'closed' };

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
  /**
   * A task whose result may be waited for is being sent (called just before it is published). A
   * backend with push wake-ups may start listening now, so that a `waitForReady` that follows
   * finds the result without a round trip. Optional; never throws.
   */
  expectResult?(taskId: string): void;
  /** Delete the stored result (Celery's `AsyncResult.forget`). */
  forget(taskId: string): Promise<void>;
  /**
   * Open a chord's join: `size` header results are awaited (Celery's `set_chord_size`; on Redis
   * the `celery-taskset-meta-<group>.s` key). Called before any header task is sent. Expires
   * with results.
   */
  setChordSize(groupId: string, size: number): Promise<void>;
  /**
   * Report a header task's outcome (SUCCESS, FAILURE or REVOKED; never RETRY, so a retrying part
   * does not release the body). Atomic across processes: see {@link ChordJoin}. A part reported
   * twice (a redelivered task) counts once.
   */
  chordPartReturn(part: ChordPart): Promise<ChordJoin>;
  /**
   * Save a group's result tuple (Celery's `GroupResult.save`: on Redis the JSON
   * `{"result": tuple}` under `celery-taskset-meta-<group>`). Expires with results.
   */
  saveGroup(groupId: string, tuple: unknown): Promise<void>;
  /** The saved tuple of a group, or null when none is saved (or it expired). */
  restoreGroup(groupId: string): Promise<unknown>;
  /** Delete a saved group (Celery's `GroupResult.forget` / `delete`). */
  forgetGroup(groupId: string): Promise<void>;
}
