/**
 * Opens the SQLite files of the embedded broker and result backend (better-sqlite3), one way for
 * both, so a transport and a backend sharing one file agree on how it is set up. Each component
 * creates its own tables (`celeriac_messages`…, `celeriac_results`) on the connection it gets.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { lazyRequire } from '../internal/lazy-require.js';

const loadBetterSqlite3 = lazyRequire<typeof Database>('better-sqlite3');

/** A better-sqlite3 connection, for code that prepares statements on one. */
export type SqliteDatabase = Database.Database;

/** Options of {@link openSqliteDatabase}. */
export interface SqliteDatabaseOptions {
  /**
   * How long a statement waits for another connection's write lock before failing with
   * `SQLITE_BUSY`, in milliseconds (SQLite's `busy_timeout`). The wait blocks the event loop:
   * better-sqlite3 is synchronous.
   */
  busyTimeoutMs: number;
}

/** SQLite's busy handler takes a C int of milliseconds. */
const MAX_BUSY_TIMEOUT_MS = 2_147_483_647;
/** Cap on the `-wal` file left behind after a checkpoint (64 MiB): a burst must not pin disk. */
const JOURNAL_SIZE_LIMIT_BYTES = 67_108_864;
/** Processes starting together may each try to switch to WAL; retry the switch this long. */
const WAL_SWITCH_ATTEMPTS = 50;
const WAL_SWITCH_RETRY_MS = 20;

/** True for paths that name a private in-memory database rather than a file. */
export function isInMemorySqlitePath(path: string): boolean {
  return path === ':memory:' || path === '';
}

/**
 * Opens (creating it and its parent directory if missing) the database at `path`, set up for a
 * queue shared by processes:
 *
 * - `journal_mode=WAL`: readers never block the writer, and every commit appends to `<db>-wal`,
 *   which {@link SqliteChangeWatcher} watches. The mode is stored in the file.
 * - `synchronous=NORMAL`: a commit survives a process crash; an OS crash or power loss may lose
 *   the last commits (WAL syncs at checkpoints only) — the trade-off Redis without
 *   `appendfsync always` makes too.
 * - `busy_timeout`: see {@link SqliteDatabaseOptions.busyTimeoutMs}.
 * - `journal_size_limit` 64 MiB.
 *
 * Foreign keys are left at better-sqlite3's default (enforced); no celeriac table declares one.
 * `:memory:` (or `''`) opens a database private to this connection, without WAL.
 *
 * @throws the file system's error when the directory cannot be created, better-sqlite3's
 *   `SqliteError` when the file cannot be opened or switched to WAL (callers wrap both).
 *
 * @example
 * const db = openSqliteDatabase('/var/lib/celeriac/broker.db', { busyTimeoutMs: 5_000 });
 */
export function openSqliteDatabase(path: string, options: SqliteDatabaseOptions): SqliteDatabase {
  const inMemory = isInMemorySqlitePath(path);
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });
  const timeout = Math.min(MAX_BUSY_TIMEOUT_MS, Math.max(0, Math.floor(options.busyTimeoutMs)));
  const db = new (loadBetterSqlite3())(path, { timeout });
  try {
    if (!inMemory) enableWal(db);
    db.pragma('synchronous = NORMAL');
    db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Switches to WAL. A no-op once the file is in WAL mode; the first switch needs a moment of
 * exclusive access, which processes opening a new file together contend for — and the busy
 * handler does not cover it, hence the retry.
 */
function enableWal(db: SqliteDatabase): void {
  for (let attempt = 0; ; attempt++) {
    try {
      if (db.pragma('journal_mode', { simple: true }) === 'wal') return;
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if (attempt >= WAL_SWITCH_ATTEMPTS || (error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
      // Opening is synchronous (start() of a transport, or the first call on a backend): a short
      // blocking sleep keeps it so, and only ever happens while processes race to create a file.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, WAL_SWITCH_RETRY_MS);
    }
  }
}
