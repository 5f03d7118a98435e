/**
 * The ids this worker must not run (Celery's `worker_state.revoked`, a LimitedSet of at most
 * `REVOKES_MAX` ids that lapse after `REVOKE_EXPIRES`): filled from remote-control `revoke`
 * commands and, at start, from the broker's revocation store.
 */
import type { Clock } from '../internal/clock.js';
import { REVOCATIONS_MAX, type Revocation } from '../transports/revocation-store.js';

export class RevokedTasks {
  readonly #expiries = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  /** Remember ids until their expiry; beyond the cap the oldest entries go first. */
  add(revocations: Iterable<Revocation>): void {
    for (const { taskId, expiresAtMs } of revocations) {
      const known = this.#expiries.get(taskId);
      if (known !== undefined && known >= expiresAtMs) continue;
      this.#expiries.delete(taskId);
      this.#expiries.set(taskId, expiresAtMs);
    }
    for (const taskId of this.#expiries.keys()) {
      if (this.#expiries.size <= REVOCATIONS_MAX) break;
      this.#expiries.delete(taskId);
    }
  }

  /** True while `taskId` is revoked. */
  has(taskId: string): boolean {
    const expiresAtMs = this.#expiries.get(taskId);
    if (expiresAtMs === undefined) return false;
    if (expiresAtMs > this.clock.now()) return true;
    this.#expiries.delete(taskId);
    return false;
  }

  get size(): number {
    return this.#expiries.size;
  }
}
