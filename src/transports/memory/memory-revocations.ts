import { REVOCATIONS_MAX, type Revocation, type RevocationStore } from '../revocation-store.js';

/**
 * The memory transport's revocations: a map in the transport instance (which is the broker, so
 * every worker and client sharing the instance sees them).
 */
export class MemoryRevocations implements RevocationStore {
  readonly #expiries = new Map<string, number>();

  constructor(private readonly assertStarted: (action: string) => void) {}

  async add(revocations: readonly Revocation[]): Promise<void> {
    this.assertStarted('record revocations');
    for (const { taskId, expiresAtMs } of revocations) {
      const known = this.#expiries.get(taskId);
      if (known === undefined || known < expiresAtMs) {
        this.#expiries.delete(taskId); // re-inserted last: the map stays ordered oldest first
        this.#expiries.set(taskId, expiresAtMs);
      }
    }
    // Drop the oldest past the cap (insertion order approximates expiry order: one TTL for all).
    for (const taskId of this.#expiries.keys()) {
      if (this.#expiries.size <= REVOCATIONS_MAX) break;
      this.#expiries.delete(taskId);
    }
  }

  async list(nowMs: number): Promise<Revocation[]> {
    this.assertStarted('list revocations');
    const live: Revocation[] = [];
    for (const [taskId, expiresAtMs] of this.#expiries) {
      if (expiresAtMs > nowMs) live.push({ taskId, expiresAtMs });
      else this.#expiries.delete(taskId);
    }
    return live;
  }
}
