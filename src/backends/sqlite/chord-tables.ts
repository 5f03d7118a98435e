/**
 * The sqlite result backend's chord joins and saved groups, beside `celeriac_results`: the SQL
 * equivalent of Celery's Redis keys `celery-taskset-meta-<group>.s` (chord size), `.j` (parts,
 * ordered by group index) and `celery-taskset-meta-<group>` (saved group). A part is reported in
 * one IMMEDIATE transaction, so exactly one process sees a chord complete (or fail) even when
 * header tasks finish in several worker processes at once.
 */
import type Database from 'better-sqlite3';
import { decodeJson, encodeJson } from '../../protocol/celery-json.js';
import { PROPAGATE_STATES, type TaskState } from '../../protocol/task-state.js';
import type { ChordJoin, ChordPart } from '../backend.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS celeriac_chords (
  group_id   TEXT PRIMARY KEY,
  size       INTEGER NOT NULL,
  expires_at INTEGER            -- epoch ms; NULL = never
);
CREATE TABLE IF NOT EXISTS celeriac_chord_parts (
  group_id    TEXT NOT NULL,
  task_id     TEXT NOT NULL,
  group_index REAL NOT NULL,    -- 1e308 when the message had none (Celery's +inf score)
  state       TEXT NOT NULL,
  result      TEXT NOT NULL,    -- Celery JSON of the value or serialized exception
  PRIMARY KEY (group_id, task_id)
);
CREATE TABLE IF NOT EXISTS celeriac_groups (
  group_id   TEXT PRIMARY KEY,
  meta       TEXT NOT NULL,     -- {"result": <GroupResult tuple>}, as Redis holds it
  expires_at INTEGER
);
`;

/** Stand-in for a missing group index: sorts after every real index, as Redis's `+inf`. */
const NO_INDEX = 1e308;

interface PartRow {
  taskId: string;
  state: string;
  result: string;
}

/** Prepared statements over the chord and group tables on one connection. */
export class ChordTables {
  private readonly setSizeStatement: Database.Statement<[string, number, number | null]>;
  private readonly sizeStatement: Database.Statement<[string, number], number>;
  private readonly addPartStatement: Database.Statement<[string, string, number, string, string]>;
  private readonly countStatement: Database.Statement<[string], number>;
  private readonly partsStatement: Database.Statement<[string], PartRow>;
  private readonly dropJoin: Database.Transaction<(groupId: string) => void>;
  private readonly report: Database.Transaction<(part: ChordPart, nowMs: number) => ChordJoin>;
  private readonly saveStatement: Database.Statement<[string, string, number | null]>;
  private readonly restoreStatement: Database.Statement<[string, number], string>;
  private readonly forgetStatement: Database.Statement<[string]>;
  private readonly sweep: Database.Transaction<(nowMs: number) => number>;

  constructor(db: Database.Database) {
    db.exec(SCHEMA);
    this.setSizeStatement = db.prepare('INSERT OR REPLACE INTO celeriac_chords (group_id, size, expires_at) VALUES (?, ?, ?)');
    this.sizeStatement = db
      .prepare<[string, number], number>('SELECT size FROM celeriac_chords WHERE group_id = ? AND (expires_at IS NULL OR expires_at > ?)')
      .pluck();
    this.addPartStatement = db.prepare(
      'INSERT OR IGNORE INTO celeriac_chord_parts (group_id, task_id, group_index, state, result) VALUES (?, ?, ?, ?, ?)',
    );
    this.countStatement = db.prepare<[string], number>('SELECT count(*) FROM celeriac_chord_parts WHERE group_id = ?').pluck();
    this.partsStatement = db.prepare(
      'SELECT task_id AS taskId, state, result FROM celeriac_chord_parts WHERE group_id = ? ORDER BY group_index, task_id',
    );
    const deleteChord = db.prepare<[string]>('DELETE FROM celeriac_chords WHERE group_id = ?');
    const deleteParts = db.prepare<[string]>('DELETE FROM celeriac_chord_parts WHERE group_id = ?');
    this.dropJoin = db.transaction((groupId: string) => {
      deleteChord.run(groupId);
      deleteParts.run(groupId);
    });
    this.report = db.transaction((part: ChordPart, nowMs: number): ChordJoin => {
      const size = this.sizeStatement.get(part.groupId, nowMs);
      if (size === undefined) {
        this.dropJoin(part.groupId);
        return { kind: 'closed' };
      }
      if (PROPAGATE_STATES.has(part.state)) {
        this.dropJoin(part.groupId);
        return { kind: 'failed' };
      }
      this.addPartStatement.run(part.groupId, part.taskId, part.groupIndex ?? NO_INDEX, part.state, encodeJson(part.result));
      if ((this.countStatement.get(part.groupId) ?? 0) < size) return { kind: 'pending' };
      const parts = this.partsStatement
        .all(part.groupId)
        .map((row) => ({ taskId: row.taskId, state: row.state as TaskState, result: decodeJson(row.result) }));
      this.dropJoin(part.groupId);
      return { kind: 'complete', parts };
    });
    this.saveStatement = db.prepare('INSERT OR REPLACE INTO celeriac_groups (group_id, meta, expires_at) VALUES (?, ?, ?)');
    this.restoreStatement = db
      .prepare<[string, number], string>('SELECT meta FROM celeriac_groups WHERE group_id = ? AND (expires_at IS NULL OR expires_at > ?)')
      .pluck();
    this.forgetStatement = db.prepare('DELETE FROM celeriac_groups WHERE group_id = ?');
    // A chord that never completed (its header lost) expires like a result; its parts go with it.
    const expiredParts = db.prepare<[number]>(
      'DELETE FROM celeriac_chord_parts WHERE group_id IN (SELECT group_id FROM celeriac_chords WHERE expires_at <= ?)',
    );
    const expiredChords = db.prepare<[number]>('DELETE FROM celeriac_chords WHERE expires_at <= ?');
    const expiredGroups = db.prepare<[number]>('DELETE FROM celeriac_groups WHERE expires_at <= ?');
    this.sweep = db.transaction(
      (nowMs: number) => expiredParts.run(nowMs).changes + expiredChords.run(nowMs).changes + expiredGroups.run(nowMs).changes,
    );
  }

  /**
   * Delete expired chords (with their parts) and saved groups.
   * @returns how many rows were deleted
   */
  deleteExpired(nowMs: number): number {
    return this.sweep.immediate(nowMs);
  }

  setSize(groupId: string, size: number, expiresAt: number | null): void {
    this.setSizeStatement.run(groupId, size, expiresAt);
  }

  /** Report a part; one IMMEDIATE transaction (see the module comment). */
  partReturn(part: ChordPart, nowMs: number): ChordJoin {
    return this.report.immediate(part, nowMs);
  }

  saveGroup(groupId: string, text: string, expiresAt: number | null): void {
    this.saveStatement.run(groupId, text, expiresAt);
  }

  restoreGroup(groupId: string, nowMs: number): string | null {
    return this.restoreStatement.get(groupId, nowMs) ?? null;
  }

  forgetGroup(groupId: string): void {
    this.forgetStatement.run(groupId);
  }
}
