/**
 * The worker's work in flight — running tasks and message handlings (revoking, dead-lettering)
 * not settled yet — counted so a shutdown can wait for all of it. A count, not a Set of
 * promises: a Set churned per task keeps settled ones alive for V8's young-generation collector
 * (see internal/entry-list.ts).
 */
export class InflightWork {
  #count = 0;
  #waiters: Array<() => void> = [];

  /** Work begun and not ended. */
  get size(): number {
    return this.#count;
  }

  begin(): void {
    this.#count++;
  }

  /** Ends one piece of work begun with {@link begin}. */
  readonly end = (): void => {
    if (--this.#count > 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  };

  /** Counts `work` until it settles (either way). */
  track(work: Promise<unknown>): void {
    this.begin();
    void work.finally(this.end);
  }

  /** Resolves once nothing is in flight (work begun meanwhile is waited for too). */
  settled(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
