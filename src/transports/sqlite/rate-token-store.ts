/**
 * Tokens of `scope: 'global'` rate limits in the shared file (`celeriac_rate_tokens`), so every
 * worker process on the host shares one limit, as workers on one Redis do. A row holds when the
 * next token is due (epoch ms); taking one is a read and a write in one IMMEDIATE transaction, so
 * two processes never take the same token. Processes on one host share its clock.
 */
import type Database from 'better-sqlite3';

export class RateTokenStore {
  readonly #take;

  constructor(db: Database.Database) {
    const due = db.prepare<[string], number>('SELECT next_due_at FROM celeriac_rate_tokens WHERE key = ?').pluck();
    const set = db.prepare<[string, number]>(
      `INSERT INTO celeriac_rate_tokens (key, next_due_at) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET next_due_at = excluded.next_due_at`,
    );
    this.#take = db.transaction((key: string, intervalMs: number, nowMs: number): number => {
      const dueAt = due.get(key);
      if (dueAt !== undefined && nowMs < dueAt) return dueAt - nowMs;
      set.run(key, nowMs + intervalMs);
      return 0;
    });
  }

  /** 0 when the token of `key` was taken, else the ms until it is due (nothing taken). */
  take(key: string, intervalMs: number, nowMs: number): number {
    return this.#take.immediate(key, intervalMs, nowMs);
  }
}
