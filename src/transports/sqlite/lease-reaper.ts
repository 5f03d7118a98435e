/**
 * Gives unacked messages back when their consumer can no longer ack them — kombu's
 * `restore_visible`, plus what a shared file allows beyond it:
 *
 * - leases past their visibility timeout (`lease_expires_at <= now`);
 * - leases of consumers that are gone: process dead on this host (`kill(pid, 0)` → ESRCH) or
 *   heartbeat stale (see {@link ConsumerRegistry.findDead}) — so a crashed worker's messages
 *   come back at once instead of after the visibility timeout;
 * - leases whose owner is not registered at all.
 *
 * It runs at start, every `reapIntervalMs`, and exactly when the earliest lease in the file
 * expires (one timer, re-armed after each run — never a timer per message). Every process runs
 * one; whichever gets there first does the work, inside one write transaction.
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../../internal/clock.js';
import type { TransportLogger } from '../transport.js';
import type { ConsumerRegistry } from './consumer-registry.js';
import type { MessageStore } from './message-store.js';

export interface LeaseReaperOptions {
  clock: Clock;
  logger: TransportLogger;
  reapIntervalMs: number;
  /** Called with how many messages were given back, when more than zero. */
  onReleased(count: number): void;
}

export class LeaseReaper {
  readonly #store: MessageStore;
  readonly #registry: ConsumerRegistry;
  readonly #options: LeaseReaperOptions;
  readonly #reapTx: () => number;
  #cancelTimer: (() => void) | undefined;
  #dueAtMs = Infinity;

  constructor(
    db: Database.Database,
    store: MessageStore,
    registry: ConsumerRegistry,
    options: LeaseReaperOptions,
  ) {
    this.#store = store;
    this.#registry = registry;
    this.#options = options;
    const reap = db.transaction((nowMs: number): number => {
      let released = 0;
      for (const id of this.#registry.findDead(nowMs)) {
        released += this.#store.releaseOwner(id);
        this.#registry.remove(id);
      }
      released += this.#store.releaseExpired(nowMs);
      released += this.#store.releaseOrphans();
      return released;
    });
    this.#reapTx = () => reap.immediate(this.#options.clock.now());
  }

  /** Reaps now and keeps reaping until {@link stop}. */
  start(): void {
    this.#run();
  }

  stop(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#dueAtMs = Infinity;
  }

  /** This transport just leased messages until `expiresAtMs`: be awake when they expire. */
  noteLease(expiresAtMs: number): void {
    if (this.#cancelTimer !== undefined && expiresAtMs < this.#dueAtMs) this.#arm(expiresAtMs);
  }

  readonly #run = (): void => {
    this.#cancelTimer = undefined;
    let next: number | null = null;
    try {
      const released = this.#reapTx();
      if (released > 0) this.#options.onReleased(released);
      next = this.#store.nextLeaseExpiry();
    } catch (error) {
      this.#options.logger.warn(`sqlite transport: lease reaper failed: ${String(error)}`);
    }
    const periodic = this.#options.clock.now() + this.#options.reapIntervalMs;
    this.#arm(next === null ? periodic : Math.min(periodic, next));
  };

  #arm(dueAtMs: number): void {
    this.#cancelTimer?.();
    this.#dueAtMs = dueAtMs;
    const delayMs = Math.max(1, dueAtMs - this.#options.clock.now());
    this.#cancelTimer = this.#options.clock.setTimer(this.#run, delayMs);
  }
}
