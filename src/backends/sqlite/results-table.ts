/**
 * The SQL of the sqlite result backend: one table, `celeriac_results`, beside the sqlite
 * transport's tables when both use one file. `meta` holds the Celery JSON layout
 * (`protocol/result-codec.ts`), the same text Redis would hold under `celery-task-meta-<id>`;
 * `status` is copied out of it so the SUCCESS guard and the ready-state query run in SQL.
 */
import type Database from 'better-sqlite3';

export const RESULTS_TABLE = 'celeriac_results';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ${RESULTS_TABLE} (
  task_id    TEXT PRIMARY KEY,
  status     TEXT NOT NULL,
  meta       TEXT NOT NULL,
  expires_at INTEGER,           -- epoch ms; NULL = never
  updated_at INTEGER NOT NULL   -- epoch ms
);
CREATE INDEX IF NOT EXISTS ${RESULTS_TABLE}_expires_at
  ON ${RESULTS_TABLE} (expires_at) WHERE expires_at IS NOT NULL;
`;

// Celery's dedup guard, done atomically across processes: a live SUCCESS is never replaced; an
// expired row counts as absent (Redis would have dropped the key).
const UPSERT = `
INSERT INTO ${RESULTS_TABLE} (task_id, status, meta, expires_at, updated_at)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (task_id) DO UPDATE SET
  status = excluded.status, meta = excluded.meta,
  expires_at = excluded.expires_at, updated_at = excluded.updated_at
WHERE ${RESULTS_TABLE}.status != 'SUCCESS'
   OR (${RESULTS_TABLE}.expires_at IS NOT NULL AND ${RESULTS_TABLE}.expires_at <= ?)`;

const SELECT_ONE = `SELECT status, meta, expires_at AS expiresAt FROM ${RESULTS_TABLE} WHERE task_id = ?`;

// One query answers every waiter of this process: the ids arrive as one JSON array parameter.
const SELECT_READY_AMONG = `
SELECT task_id AS taskId, meta FROM ${RESULTS_TABLE}
WHERE task_id IN (SELECT value FROM json_each(?))
  AND status IN ('SUCCESS', 'FAILURE', 'REVOKED')
  AND (expires_at IS NULL OR expires_at > ?)`;

const DELETE_ONE = `DELETE FROM ${RESULTS_TABLE} WHERE task_id = ?`;

const DELETE_EXPIRED = `
DELETE FROM ${RESULTS_TABLE} WHERE rowid IN (
  SELECT rowid FROM ${RESULTS_TABLE} WHERE expires_at <= ? LIMIT ?)`;

export interface StoredRow {
  status: string;
  meta: string;
  /** Epoch ms, null = never. */
  expiresAt: number | null;
}

export interface ReadyRow {
  taskId: string;
  meta: string;
}

/** Prepared statements over `celeriac_results` on one connection. */
export class ResultsTable {
  private readonly upsertStatement: Database.Statement<[string, string, string, number | null, number, number]>;
  private readonly selectOneStatement: Database.Statement<[string], StoredRow>;
  private readonly selectReadyStatement: Database.Statement<[string, number], ReadyRow>;
  private readonly deleteOneStatement: Database.Statement<[string]>;
  private readonly deleteExpiredStatement: Database.Statement<[number, number]>;
  private readonly dataVersionStatement: Database.Statement<[], number>;

  /** Creates the table and index if missing (safe when several processes race to do it). */
  constructor(db: Database.Database) {
    db.exec(SCHEMA);
    this.upsertStatement = db.prepare(UPSERT);
    this.selectOneStatement = db.prepare(SELECT_ONE);
    this.selectReadyStatement = db.prepare(SELECT_READY_AMONG);
    this.deleteOneStatement = db.prepare(DELETE_ONE);
    this.deleteExpiredStatement = db.prepare(DELETE_EXPIRED);
    this.dataVersionStatement = db.prepare<[], number>('PRAGMA data_version').pluck();
  }

  /**
   * Insert or replace a task's row unless it holds a live SUCCESS.
   * @returns true when the row was written
   */
  upsert(taskId: string, status: string, meta: string, expiresAt: number | null, nowMs: number): boolean {
    return this.upsertStatement.run(taskId, status, meta, expiresAt, nowMs, nowMs).changes > 0;
  }

  /** The row of `taskId`, expired or not; undefined when there is none. */
  get(taskId: string): StoredRow | undefined {
    return this.selectOneStatement.get(taskId);
  }

  /** Live rows in a ready state among `taskIdsJson` (a JSON array of task ids). */
  readyAmong(taskIdsJson: string, nowMs: number): ReadyRow[] {
    return this.selectReadyStatement.all(taskIdsJson, nowMs);
  }

  delete(taskId: string): void {
    this.deleteOneStatement.run(taskId);
  }

  /**
   * Delete up to `limit` rows expired at `nowMs`.
   * @returns how many were deleted
   */
  deleteExpired(nowMs: number, limit: number): number {
    return this.deleteExpiredStatement.run(nowMs, limit).changes;
  }

  /**
   * SQLite's `PRAGMA data_version`: changes whenever another connection (this process or another)
   * commits, never for this connection's own commits — a cheap "did anyone else write?" test.
   */
  dataVersion(): number {
    return this.dataVersionStatement.get() ?? 0;
  }
}
