/**
 * The sqlite transport's revocations: the `celeriac_revoked` table (task id → expiry, epoch ms),
 * shared by every process using the file. Each `add` also prunes expired rows and keeps at most
 * {@link REVOCATIONS_MAX}, dropping the soonest to expire.
 */
import type { SqliteDatabase } from '../../connections/sqlite-database.js';
import { sqliteFailure } from '../../connections/sqlite-failure.js';
import { REVOCATIONS_MAX, type Revocation, type RevocationStore } from '../revocation-store.js';

export class RevocationTable implements RevocationStore {
  constructor(
    /** The open database; throws `TRANSPORT_CLOSED` when the transport is stopped. */
    private readonly db: (action: string) => SqliteDatabase,
    private readonly now: () => number,
  ) {}

  async add(revocations: readonly Revocation[]): Promise<void> {
    const db = this.db('record revocations');
    try {
      const upsert = db.prepare<[string, number]>(
        `INSERT INTO celeriac_revoked (task_id, expires_at) VALUES (?, ?)
         ON CONFLICT (task_id) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)`,
      );
      db.transaction(() => {
        for (const { taskId, expiresAtMs } of revocations) upsert.run(taskId, expiresAtMs);
        db.prepare<[number]>(`DELETE FROM celeriac_revoked WHERE expires_at <= ?`).run(this.now());
        db.prepare<[number]>(
          `DELETE FROM celeriac_revoked WHERE task_id IN (
             SELECT task_id FROM celeriac_revoked ORDER BY expires_at
             LIMIT max(0, (SELECT count(*) FROM celeriac_revoked) - ?))`,
        ).run(REVOCATIONS_MAX);
      }).immediate();
    } catch (error) {
      throw sqliteFailure('TRANSPORT_ERROR', 'sqlite transport: recording revocations', error);
    }
  }

  async list(nowMs: number): Promise<Revocation[]> {
    const db = this.db('list revocations');
    try {
      return db
        .prepare<[number], { task_id: string; expires_at: number }>(`SELECT task_id, expires_at FROM celeriac_revoked WHERE expires_at > ?`)
        .all(nowMs)
        .map((row) => ({ taskId: row.task_id, expiresAtMs: row.expires_at }));
    } catch (error) {
      throw sqliteFailure('TRANSPORT_ERROR', 'sqlite transport: listing revocations', error);
    }
  }
}
