/** Options of the sqlite transport (`sqlite://`) and their defaults. */
import type { Clock } from '../../internal/clock.js';
import type { TransportLogger } from '../transport.js';

/** Defaults of {@link SqliteTransportOptions} (listed in docs/sqlite.md). */
export const sqliteTransportDefaults = {
  /** kombu's `visibility_timeout` default, 3600 s. */
  visibilityTimeoutMs: 3_600_000,
  pollIntervalMs: 500,
  heartbeatIntervalMs: 2_000,
  consumerTimeoutMs: 60_000,
  reapIntervalMs: 5_000,
  busyTimeoutMs: 5_000,
} as const;

/** Options of {@link SqliteTransport}; give `url` or `path`. */
export interface SqliteTransportOptions {
  /** `sqlite:///relative.db` (from the cwd) or `sqlite:////absolute.db`. */
  url?: string;
  /** The database file, instead of `url`. */
  path?: string;
  /**
   * An unacked message whose consumer stopped renewing its lease (a process frozen, or gone
   * without its death being noticed) comes back after this long (kombu's `visibility_timeout`).
   * A live consumer renews what it holds, so ETA tasks and long tasks held past it are not
   * redelivered. Default 3,600,000 (1 hour).
   */
  visibilityTimeoutMs?: number;
  /** Fallback poll for other processes' publishes when file events are missed. Default 500. */
  pollIntervalMs?: number;
  /**
   * How often this transport proves it is alive and renews the leases it holds (one write
   * transaction per tick). Default 2,000; never more than a sixth of `visibilityTimeoutMs`.
   */
  heartbeatIntervalMs?: number;
  /**
   * A consumer silent this long is taken for dead and its unacked messages are given back
   * (a dead pid on this host is detected at once). Default 60,000.
   */
  consumerTimeoutMs?: number;
  /** How often dead consumers are looked for. Default 5,000. */
  reapIntervalMs?: number;
  /** How long to wait for another process's write lock (SQLite busy timeout). Default 5,000. */
  busyTimeoutMs?: number;
  /** Time source for leases, heartbeats and timers; default the system clock. */
  clock?: Clock;
  /** Receives warnings (unroutable messages, failed writes); default process warnings. */
  logger?: TransportLogger;
}
