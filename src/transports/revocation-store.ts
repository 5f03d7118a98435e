/**
 * Revoked task ids kept in the broker, so a worker that starts (or restarts) after a revoke
 * still honours it — Celery keeps them only in each worker's memory (or a `--statedb` file) and
 * loses them on restart (celery#818). A transport that can keep them exposes a store as
 * `Transport.revocations`: memory in-process, sqlite a table, Redis a sorted set of our own
 * (`docs/redis.md`). Each entry lives until its expiry (Celery's `REVOKE_EXPIRES`, 3 hours by
 * default: `worker_revoke_expires`).
 */

/** A revoked task id and when the revocation lapses (ms since the epoch). */
export interface Revocation {
  taskId: string;
  expiresAtMs: number;
}

export interface RevocationStore {
  /**
   * Record revocations; an id already recorded keeps the later expiry. Expired entries may be
   * pruned meanwhile, and the store may drop the soonest-expiring ones past its capacity.
   * @throws CeleriacError `TRANSPORT_ERROR` when the broker fails; `TRANSPORT_CLOSED` when stopped.
   */
  add(revocations: readonly Revocation[]): Promise<void>;
  /**
   * The revocations still in force at `nowMs`.
   * @throws CeleriacError `TRANSPORT_ERROR` when the broker fails; `TRANSPORT_CLOSED` when stopped.
   */
  list(nowMs: number): Promise<Revocation[]>;
}

/** How many revocations a store keeps at most (Celery's `REVOKES_MAX`, its in-memory limit). */
export const REVOCATIONS_MAX = 50_000;
