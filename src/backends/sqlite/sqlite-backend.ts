/**
 * `sqlite:///path.db` — results in one SQLite file (better-sqlite3, WAL), durable and shared by
 * every process on the host that opens the same file, including the sqlite transport (its own
 * tables, same file). The embedded counterpart of Celery's Redis result backend: values are the
 * same Celery JSON, a SUCCESS is never overwritten, and results expire after `result_expires`.
 */
import { SqliteChangeWatcher } from '../../connections/sqlite-change-watcher.js';
import { isInMemorySqlitePath, openSqliteDatabase, type SqliteDatabase } from '../../connections/sqlite-database.js';
import { sqliteFailure } from '../../connections/sqlite-failure.js';
import { CeleriacError } from '../../errors.js';
import { systemClock, type Clock } from '../../internal/clock.js';
import { decodeResultMeta, encodeResultMeta, pendingResultMeta } from '../../protocol/result-codec.js';
import type { ResultMeta } from '../../protocol/result-meta.js';
import { READY_STATES, type TaskState } from '../../protocol/task-state.js';
import {
  resultBackendDefaults,
  type BackendCapabilities,
  type ChordJoin,
  type ChordPart,
  type ResultBackend,
  type WaitOptions,
} from '../backend.js';
import { decodeSavedGroup, encodeSavedGroup } from '../saved-group.js';
import { WaiterRegistry } from '../waiter-registry.js';
import { ChordTables } from './chord-tables.js';
import { ResultsTable, type ReadyRow, type StoredRow } from './results-table.js';
import { WriteBatcher } from './write-batcher.js';

/** Defaults of {@link SqliteBackendOptions}. */
export const sqliteBackendDefaults = {
  ...resultBackendDefaults,
  busyTimeoutMs: 5_000,
  pollIntervalMs: 50,
  cleanupIntervalMs: 60_000,
  maxBatchSize: 2_000,
  watchWal: true,
} as const;

export interface SqliteBackendOptions {
  /** Database file (what `parseSqliteUrl` returns); `:memory:` works but is private to this instance. */
  path: string;
  /**
   * Milliseconds a result lives after its last write (Celery's `result_expires`); `null` or `0`
   * keeps results forever. Default 86,400,000 (one day).
   */
  resultExpiresMs?: number | null;
  /** Time source for expiry and wait timeouts; default the system clock. */
  clock?: Clock;
  /**
   * How long a statement waits for another process's write lock, in milliseconds (SQLite's
   * `busy_timeout`); default 5,000. The wait blocks the event loop (better-sqlite3 is synchronous).
   */
  busyTimeoutMs?: number;
  /** Fallback poll interval for `waitForReady`, in milliseconds, when the call gives none; default 50. */
  pollIntervalMs?: number;
  /** How often expired rows are deleted, in milliseconds; default 60,000. */
  cleanupIntervalMs?: number;
  /** Most results committed in one transaction; default 2,000. */
  maxBatchSize?: number;
  /** Watch the `-wal` file to wake waiters at once on other processes' writes; default true. */
  watchWal?: boolean;
}

interface QueuedWrite {
  taskId: string;
  status: TaskState;
  text: string;
}

interface Connection {
  db: SqliteDatabase;
  table: ResultsTable;
  chords: ChordTables;
  commitBatch: (items: QueuedWrite[], nowMs: number) => QueuedWrite[] | undefined;
}

/** Rows deleted per statement by the cleanup, and statements per cleanup run. */
const CLEANUP_CHUNK = 1_000;
const CLEANUP_MAX_CHUNKS = 20;

type Phase = 'idle' | 'open' | 'stopped';

/** Long enough never to fire: the handle exists only to hold the event loop open. */
const KEEP_ALIVE_MS = 1 << 30;

/**
 * Result backend on a SQLite file.
 *
 * - Writes are batched: `storeResult` queues, and one transaction per event-loop turn commits
 *   everything queued (the promise settles on commit). SQL enforces the SUCCESS guard, so it holds
 *   across processes.
 * - `waitForReady` never busy-polls: a write by this instance wakes its waiters directly; writes
 *   by other connections are noticed by the shared `SqliteChangeWatcher` (watch on the `-wal`
 *   file, trailing re-check, fallback poll every `intervalMs`, default 50 ms), shared by all
 *   waiters and answered by one query for all of their ids, and only when `PRAGMA data_version`
 *   says someone else committed. While anyone waits, the process is kept alive.
 * - Expired rows read as PENDING; a periodic (unref'd) cleanup deletes them.
 * - SQLite failures reach callers as `CeleriacError('BACKEND_ERROR')` with the driver's error as
 *   `cause`.
 *
 * @example
 * const backend = new SqliteBackend({ path: parseSqliteUrl('sqlite:///celeriac.db') });
 * const meta = await backend.waitForReady(taskId, { timeoutMs: 10_000 });
 */
export class SqliteBackend implements ResultBackend {
  readonly capabilities: BackendCapabilities;

  private readonly path: string;
  private readonly clock: Clock;
  private readonly expiresMs: number | null;
  private readonly busyTimeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly cleanupIntervalMs: number;
  private readonly waiters: WaiterRegistry;
  private readonly watcher: SqliteChangeWatcher;
  private readonly batcher: WriteBatcher<QueuedWrite>;
  private phase: Phase = 'idle';
  private conn: Connection | undefined;
  private cleanupTimer: NodeJS.Timeout | undefined;
  /**
   * Ref'd while anyone waits (an awaited result must keep a client process alive), unref'd
   * otherwise: toggled, not re-created, for every wait.
   */
  private keepAlive: NodeJS.Timeout | undefined;

  constructor(options: SqliteBackendOptions) {
    this.path = options.path;
    this.clock = options.clock ?? systemClock;
    const expires = options.resultExpiresMs === undefined ? sqliteBackendDefaults.resultExpiresMs : options.resultExpiresMs;
    this.expiresMs = expires ? expires : null;
    this.busyTimeoutMs = options.busyTimeoutMs ?? sqliteBackendDefaults.busyTimeoutMs;
    this.pollIntervalMs = options.pollIntervalMs ?? sqliteBackendDefaults.pollIntervalMs;
    this.cleanupIntervalMs = options.cleanupIntervalMs ?? sqliteBackendDefaults.cleanupIntervalMs;
    const inMemory = isInMemorySqlitePath(this.path);
    this.capabilities = { durable: !inMemory, crossProcess: !inMemory, pushWakeups: true };
    this.waiters = new WaiterRegistry(this.clock, () => this.onNoWaiters());
    this.watcher = new SqliteChangeWatcher({
      path: inMemory ? null : this.path,
      watchFile: options.watchWal ?? sqliteBackendDefaults.watchWal,
      pollIntervalMs: this.pollIntervalMs,
      dataVersion: () => {
        if (this.conn === undefined) throw closedError();
        return this.conn.table.dataVersion();
      },
      onChange: () => this.checkWaiters(),
    });
    this.batcher = new WriteBatcher<QueuedWrite>({
      maxBatchSize: options.maxBatchSize ?? sqliteBackendDefaults.maxBatchSize,
      commit: (items) => this.commit(items),
    });
  }

  async start(): Promise<void> {
    if (this.phase === 'stopped') this.phase = 'idle';
    this.connection();
  }

  async stop(): Promise<void> {
    if (this.phase === 'stopped') return;
    this.phase = 'stopped';
    clearInterval(this.cleanupTimer);
    this.cleanupTimer = undefined;
    const conn = this.conn;
    if (conn === undefined) return;
    try {
      this.batcher.flushAll();
    } finally {
      this.conn = undefined;
      this.waiters.rejectAll(closedError());
      this.onNoWaiters();
      clearInterval(this.keepAlive);
      this.keepAlive = undefined;
      conn.db.close();
    }
  }

  /**
   * Joins this turn's batch; the promise settles when the batch committed.
   * @throws CeleriacError `BACKEND_ERROR` when the file cannot be opened or the batch's commit
   *   failed (every result of the batch fails with it); `BACKEND_CLOSED` after `stop()`.
   */
  storeResult(meta: ResultMeta): Promise<void> {
    let text: string;
    try {
      this.connection();
      text = encodeResultMeta(meta);
    } catch (error) {
      // Rejected rather than thrown: callers of a promise API expect failures in the promise.
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return this.batcher.add({ taskId: meta.taskId, status: meta.status, text });
  }

  /** @throws CeleriacError `BACKEND_ERROR` when the file cannot be opened or read. */
  async getMeta(taskId: string): Promise<ResultMeta> {
    this.connection();
    if (this.batcher.pending) await this.batcher.drained();
    const row = this.liveRow(this.connection(), taskId, 'reading');
    return row === undefined ? pendingResultMeta(taskId) : decodeResultMeta(taskId, row.meta);
  }

  /** @throws CeleriacError `BACKEND_ERROR` when the file cannot be opened or read. */
  async waitForReady(taskId: string, options: WaitOptions = {}): Promise<ResultMeta> {
    this.connection();
    if (this.batcher.pending) await this.batcher.drained();
    const conn = this.connection();
    // Take the version before reading the row: a commit landing between the two is then seen
    // as a change by the watcher.
    if (this.waiters.size === 0) this.watcher.sync();
    const row = this.liveRow(conn, taskId, 'waiting for');
    if (row !== undefined && READY_STATES.has(row.status as TaskState)) return decodeResultMeta(taskId, row.meta);
    const waiting = this.waiters.wait(taskId, options);
    if (this.waiters.has(taskId)) {
      const intervalMs = options.intervalMs ?? this.pollIntervalMs;
      // One poller for all waiters, at the smallest interval any of them asked for.
      if (!this.watcher.running || intervalMs < this.watcher.pollIntervalMs) this.watcher.pollIntervalMs = intervalMs;
      this.watcher.start();
      (this.keepAlive ??= setInterval(noop, KEEP_ALIVE_MS)).ref();
    }
    return waiting;
  }

  /** @throws CeleriacError `BACKEND_ERROR` when the file cannot be opened or written. */
  async forget(taskId: string): Promise<void> {
    this.connection();
    if (this.batcher.pending) await this.batcher.drained();
    const conn = this.connection();
    try {
      conn.table.delete(taskId);
    } catch (error) {
      throw sqliteFailure('BACKEND_ERROR', `sqlite result backend: forgetting task ${taskId}`, error);
    }
  }

  /** @throws CeleriacError `BACKEND_ERROR` when the file cannot be opened or written. */
  async setChordSize(groupId: string, size: number): Promise<void> {
    await this.withChords(`recording the size of chord ${groupId}`, (chords, now) => chords.setSize(groupId, size, this.expiry(now)));
  }

  /** @throws CeleriacError `BACKEND_ERROR` when the file cannot be opened or written. */
  chordPartReturn(part: ChordPart): Promise<ChordJoin> {
    return this.withChords(`reporting task ${part.taskId} to chord ${part.groupId}`, (chords, now) => chords.partReturn(part, now));
  }

  /** @throws CeleriacError `BACKEND_ERROR` when the file cannot be opened or written. */
  async saveGroup(groupId: string, tuple: unknown): Promise<void> {
    const text = encodeSavedGroup(tuple);
    await this.withChords(`saving group ${groupId}`, (chords, now) => chords.saveGroup(groupId, text, this.expiry(now)));
  }

  /** @throws CeleriacError `BACKEND_ERROR` when the file cannot be opened or read. */
  async restoreGroup(groupId: string): Promise<unknown> {
    const text = await this.withChords(`restoring group ${groupId}`, (chords, now) => chords.restoreGroup(groupId, now));
    return text === null ? null : decodeSavedGroup(groupId, text);
  }

  /** @throws CeleriacError `BACKEND_ERROR` when the file cannot be opened or written. */
  async forgetGroup(groupId: string): Promise<void> {
    await this.withChords(`forgetting group ${groupId}`, (chords) => chords.forgetGroup(groupId));
  }

  /** Run a chord/group statement after this instance's queued results (they may be header results). */
  private async withChords<T>(action: string, fn: (chords: ChordTables, nowMs: number) => T): Promise<T> {
    this.connection();
    if (this.batcher.pending) await this.batcher.drained();
    const conn = this.connection();
    try {
      return fn(conn.chords, this.clock.now());
    } catch (error) {
      throw sqliteFailure('BACKEND_ERROR', `sqlite result backend: ${action}`, error);
    }
  }

  private expiry(nowMs: number): number | null {
    return this.expiresMs === null ? null : nowMs + this.expiresMs;
  }

  /**
   * Delete expired rows now (the periodic cleanup calls this), at most 20,000 per call so the
   * write lock shared with other processes is held briefly.
   * @returns how many rows were deleted
   * @throws CeleriacError `BACKEND_ERROR` when the file cannot be opened or written.
   */
  sweepExpired(): number {
    const { table, chords } = this.connection();
    const now = this.clock.now();
    let deleted = 0;
    try {
      for (let chunk = 0; chunk < CLEANUP_MAX_CHUNKS; chunk++) {
        const n = table.deleteExpired(now, CLEANUP_CHUNK);
        deleted += n;
        if (n < CLEANUP_CHUNK) break;
      }
      deleted += chords.deleteExpired(now);
    } catch (error) {
      throw sqliteFailure('BACKEND_ERROR', 'sqlite result backend: deleting expired results', error);
    }
    return deleted;
  }

  private connection(): Connection {
    if (this.conn !== undefined) return this.conn;
    if (this.phase === 'stopped') throw closedError();
    let db: SqliteDatabase;
    try {
      db = openSqliteDatabase(this.path, { busyTimeoutMs: this.busyTimeoutMs });
    } catch (error) {
      throw sqliteFailure('BACKEND_ERROR', `sqlite result backend: opening ${this.path}`, error);
    }
    try {
      const table = new ResultsTable(db);
      const chords = new ChordTables(db);
      const commitBatch = db.transaction((items: QueuedWrite[], nowMs: number) => this.writeBatch(table, items, nowMs));
      this.conn = { db, table, chords, commitBatch: (items, nowMs) => commitBatch.immediate(items, nowMs) };
    } catch (error) {
      db.close();
      throw sqliteFailure('BACKEND_ERROR', `sqlite result backend: opening ${this.path}`, error);
    }
    this.phase = 'open';
    this.armCleanup();
    return this.conn;
  }

  /** Runs inside the transaction; returns the writes whose local waiters must be woken. */
  private writeBatch(table: ResultsTable, items: QueuedWrite[], nowMs: number): QueuedWrite[] | undefined {
    const expiresAt = this.expiresMs === null ? null : nowMs + this.expiresMs;
    const watched = this.waiters.size > 0;
    let wake: QueuedWrite[] | undefined;
    for (const item of items) {
      const written = table.upsert(item.taskId, item.status, item.text, expiresAt, nowMs);
      if (written && watched && READY_STATES.has(item.status) && this.waiters.has(item.taskId)) {
        (wake ??= []).push(item);
      }
    }
    return wake;
  }

  /** The one place stored results meet SQLite: failures are wrapped here for the whole batch. */
  private commit(items: QueuedWrite[]): void {
    const conn = this.conn;
    if (conn === undefined) throw closedError();
    let wake: QueuedWrite[] | undefined;
    try {
      wake = conn.commitBatch(items, this.clock.now());
    } catch (error) {
      throw sqliteFailure('BACKEND_ERROR', `sqlite result backend: ${describeBatch(items)}`, error);
    }
    // Woken only after COMMIT, so a woken reader never sees a value that could still roll back.
    if (wake !== undefined) {
      for (const item of wake) this.waiters.settle(item.taskId, decodeResultMeta(item.taskId, item.text));
    }
  }

  private liveRow(conn: Connection, taskId: string, action: string): StoredRow | undefined {
    let row: StoredRow | undefined;
    try {
      row = conn.table.get(taskId);
    } catch (error) {
      throw sqliteFailure('BACKEND_ERROR', `sqlite result backend: ${action} task ${taskId}`, error);
    }
    if (row === undefined || (row.expiresAt !== null && row.expiresAt <= this.clock.now())) return undefined;
    return row;
  }

  /**
   * The watcher saw another connection's commit: settle every waiter whose task it made ready.
   * Returns false when the read failed, so the watcher asks again at its next wake-up.
   */
  private checkWaiters(): boolean {
    const conn = this.conn;
    if (conn === undefined || this.waiters.size === 0) return true;
    let rows: ReadyRow[];
    try {
      rows = conn.table.readyAmong(JSON.stringify(Array.from(this.waiters.taskIds())), this.clock.now());
    } catch {
      // A transient read error (SQLITE_BUSY during recovery...): the next wake-up retries.
      return false;
    }
    for (const row of rows) {
      let meta: ResultMeta;
      try {
        meta = decodeResultMeta(row.taskId, row.meta);
      } catch (error) {
        // A value some other writer mangled: its waiters fail as getMeta would, the rest go on.
        this.waiters.fail(row.taskId, error);
        continue;
      }
      this.waiters.settle(row.taskId, meta);
    }
    return true;
  }

  /** The last waiter left (or the backend stopped): stop watching and let the process exit. */
  private onNoWaiters(): void {
    this.watcher.stop();
    this.keepAlive?.unref();
  }

  private armCleanup(): void {
    // Housekeeping only (expired rows already read as PENDING), so a real unref'd timer rather
    // than the injected clock: it must never keep the process alive.
    this.cleanupTimer = setInterval(() => {
      if (this.conn === undefined) return;
      try {
        this.sweepExpired();
      } catch {
        // Busy or read-only file: the next run retries.
      }
    }, this.cleanupIntervalMs);
    this.cleanupTimer.unref();
  }
}

function noop(): void {}

/** What a failed batch held, for the error every `storeResult` of the batch shares. */
function describeBatch(items: readonly QueuedWrite[]): string {
  const first = items[0];
  if (items.length === 1 && first !== undefined) return `storing the ${first.status} result of task ${first.taskId}`;
  return `storing ${items.length} results`;
}

function closedError(): CeleriacError {
  return new CeleriacError('BACKEND_CLOSED', 'the sqlite result backend is stopped');
}
