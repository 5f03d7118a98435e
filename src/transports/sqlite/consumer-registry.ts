/**
 * This transport's row in `celeriac_consumers` — its lease-owner id, pid, hostname and a
 * heartbeat (written by `heartbeat.ts`) — and the test that tells the reaper a registered
 * consumer is gone: its process no longer exists on this host, or its heartbeat is older than
 * `consumerTimeoutMs`.
 * `started_at` is wall-clock time (process identity, not scheduling); `heartbeat_at` is the
 * injected clock's, like every time it is compared with.
 */
import { randomUUID } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import type Database from 'better-sqlite3';
import type { Clock } from '../../internal/clock.js';
import { processExists } from '../../internal/process-probe.js';
import type { TransportLogger } from '../transport.js';

interface ConsumerRow {
  id: string;
  pid: number;
  hostname: string;
  started_at: number;
  heartbeat_at: number;
}

/** Wall-clock start of this process (ms since the epoch). */
const PROCESS_STARTED_AT_MS = Math.floor(performance.timeOrigin);

export interface ConsumerRegistryOptions {
  clock: Clock;
  logger: TransportLogger;
  consumerTimeoutMs: number;
}

export class ConsumerRegistry {
  /** The lease owner written on every message this transport takes; new for every start. */
  readonly id = randomUUID();
  readonly #pid = process.pid;
  readonly #hostname = osHostname();
  readonly #options: ConsumerRegistryOptions;
  readonly #insert;
  readonly #beat;
  readonly #delete;
  readonly #all;

  constructor(db: Database.Database, options: ConsumerRegistryOptions) {
    this.#options = options;
    this.#insert = db.prepare<[string, number, string, number, number]>(
      `INSERT OR REPLACE INTO celeriac_consumers (id, pid, hostname, started_at, heartbeat_at)
       VALUES (?, ?, ?, ?, ?)`,
    );
    this.#beat = db.prepare<[number, string]>(
      `UPDATE celeriac_consumers SET heartbeat_at = ? WHERE id = ?`,
    );
    this.#delete = db.prepare<[string]>(`DELETE FROM celeriac_consumers WHERE id = ?`);
    this.#all = db.prepare<[], ConsumerRow>(
      `SELECT id, pid, hostname, started_at, heartbeat_at FROM celeriac_consumers`,
    );
  }

  /** Writes this consumer's row. */
  register(): void {
    this.#insert.run(this.id, this.#pid, this.#hostname, Date.now(), this.#options.clock.now());
  }

  /** Removes this consumer's row; the caller releases the leases first. */
  unregister(): void {
    this.#delete.run(this.id);
  }

  /**
   * Records that this consumer is alive at `nowMs`. If another process judged it dead (a long
   * event-loop stall?) and removed its row, its unacked messages were given back and may run
   * twice: says so, and registers again so its remaining acks still count.
   */
  beat(nowMs: number): void {
    if (this.#beat.run(nowMs, this.id).changes > 0) return;
    this.#options.logger.warn(
      `sqlite transport: consumer ${this.id} was reaped while alive (heartbeat stalled for over ` +
        `${this.#options.consumerTimeoutMs} ms); its unacked messages were redelivered`,
    );
    this.#insert.run(this.id, this.#pid, this.#hostname, Date.now(), nowMs);
  }

  /** Ids of registered consumers that are gone (never this one). */
  findDead(nowMs: number): string[] {
    const staleBefore = nowMs - this.#options.consumerTimeoutMs;
    const dead: string[] = [];
    for (const row of this.#all.all()) {
      if (row.id === this.id) continue;
      const local = row.hostname === this.#hostname;
      const processGone =
        local &&
        (row.pid === this.#pid
          ? // Our pid, registered before this process began: an earlier process that had the
            // same pid — a container restarted in place is pid 1 every time.
            row.started_at < PROCESS_STARTED_AT_MS
          : !processExists(row.pid));
      if (processGone || row.heartbeat_at < staleBefore) dead.push(row.id);
    }
    return dead;
  }

  /** Removes a dead consumer's row. */
  remove(id: string): void {
    this.#delete.run(id);
  }
}
