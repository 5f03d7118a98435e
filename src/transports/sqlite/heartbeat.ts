/**
 * The sqlite transport's sign of life: every tick, ONE write transaction that records this
 * consumer's heartbeat (how other processes tell it is alive, see `ConsumerRegistry.findDead`)
 * and renews the leases it holds. Without renewal a live worker's lease ends at the visibility
 * timeout like a dead one's, and Celery holds ETA/countdown tasks unacked until they are due (and
 * acks_late tasks until they finish): the lease reaper would give such a message to another
 * consumer while this one still has it, and it would run twice. With renewal only a consumer
 * that stopped ticking — dead, frozen (SIGSTOP) or stopped — loses its messages, after the
 * visibility timeout at most. The Redis transport does the same (`visibility-renewer.ts`).
 *
 * Renewal is one UPDATE per tick whatever the number of messages held, and it touches only the
 * leases due: a lease is extended to a full visibility timeout once a third of it has passed, and
 * ticks come at least six times per visibility timeout, so a held lease is always renewed with at
 * least half of it left (slack for event-loop stalls and a busy database). With the defaults (1 h,
 * ticks every 2 s) each held row is rewritten once every 20 minutes.
 */
import type Database from 'better-sqlite3';
import { reasonOf } from '../../connections/sqlite-failure.js';
import type { Clock } from '../../internal/clock.js';
import type { TransportLogger } from '../transport.js';
import type { ConsumerRegistry } from './consumer-registry.js';
import type { MessageStore } from './message-store.js';

/** A lease is renewed once this fraction of it has passed... */
const RENEW_AFTER = 1 / 3;
/** ...and ticks come at least this often per visibility timeout, so it is renewed by half-time. */
const TICKS_PER_VISIBILITY_TIMEOUT = 6;

/**
 * Milliseconds between ticks: `heartbeatIntervalMs`, or less when the visibility timeout is so
 * short that leases would otherwise lapse between ticks.
 */
export function heartbeatPeriodMs(heartbeatIntervalMs: number, visibilityTimeoutMs: number): number {
  return Math.max(1, Math.min(heartbeatIntervalMs, visibilityTimeoutMs / TICKS_PER_VISIBILITY_TIMEOUT));
}

export interface HeartbeatOptions {
  clock: Clock;
  logger: TransportLogger;
  heartbeatIntervalMs: number;
  visibilityTimeoutMs: number;
}

export class Heartbeat {
  readonly #options: HeartbeatOptions;
  readonly #periodMs: number;
  readonly #tickTx: (nowMs: number) => void;
  #cancel: (() => void) | undefined;
  #failing = false;

  constructor(db: Database.Database, registry: ConsumerRegistry, store: MessageStore, options: HeartbeatOptions) {
    this.#options = options;
    this.#periodMs = heartbeatPeriodMs(options.heartbeatIntervalMs, options.visibilityTimeoutMs);
    const { visibilityTimeoutMs } = options;
    const tick = db.transaction((nowMs: number): void => {
      registry.beat(nowMs);
      store.renewLeases(registry.id, nowMs + visibilityTimeoutMs * (1 - RENEW_AFTER), nowMs + visibilityTimeoutMs);
    });
    this.#tickTx = (nowMs) => tick.immediate(nowMs);
  }

  /** Ticks every period until {@link stop} (the first tick one period from now). */
  start(): void {
    this.#cancel ??= this.#options.clock.setTimer(this.#tick, this.#periodMs);
  }

  /** No more ticks: from now on this consumer looks dead to other processes. */
  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
  }

  readonly #tick = (): void => {
    const { clock, logger } = this.#options;
    try {
      this.#tickTx(clock.now());
      if (this.#failing) logger.warn('sqlite transport: heartbeat and lease renewal work again');
      this.#failing = false;
    } catch (error) {
      if (!this.#failing) {
        logger.warn(
          `sqlite transport: heartbeat and lease renewal failed (${reasonOf(error)}); retrying every ${this.#periodMs} ms`,
        );
      }
      this.#failing = true;
    }
    this.#cancel = clock.setTimer(this.#tick, this.#periodMs);
  };
}
