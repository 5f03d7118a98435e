/**
 * The sqlite transport's tables. All carry the `celeriac_` prefix because one file may also hold
 * the sqlite result backend's table (`celeriac_results`) or an application's own.
 *
 * - `celeriac_messages`: one row per queued message. A row is *ready* while `lease_owner` is
 *   NULL and *unacked* while leased: `lease_owner` is the consuming transport's id in
 *   `celeriac_consumers`, `lease_expires_at` (epoch ms) when the visibility timeout gives it back.
 *   `id` is AUTOINCREMENT so an id is never reused: a late ack of a long-gone delivery can then
 *   never delete a newer message. FIFO = `id` order within a priority.
 * - `celeriac_dead_letters`: messages that could not be processed, with queue, reason, died_at.
 * - `celeriac_queues`, `celeriac_exchanges`, `celeriac_bindings`: declarations (kombu's binding
 *   table); `celeriac_transport_meta.bindings_version` bumps on every new binding so other
 *   processes know to reload their routing cache.
 * - `celeriac_consumers`: live transports (pid, hostname, heartbeat) for the lease reaper.
 * - `celeriac_rate_tokens`: when the next token of each global rate limit is due.
 * - `celeriac_revoked`: revoked task ids until their expiry (`revocation-store.ts`), so workers
 *   started later honour them. Added within schema v1: older celeriac versions ignore it.
 */
import { openSqliteDatabase, type SqliteDatabase } from '../../connections/sqlite-database.js';
import { CeleriacError } from '../../errors.js';

/** Bumped when the tables change shape; a file from a newer celeriac is refused. */
export const TRANSPORT_SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS celeriac_messages (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  queue            TEXT    NOT NULL,
  priority         INTEGER NOT NULL,           -- 0..9, 0 served first
  exchange         TEXT    NOT NULL,
  routing_key      TEXT    NOT NULL,
  redelivered      INTEGER NOT NULL DEFAULT 0,
  lease_owner      TEXT,                       -- celeriac_consumers.id; NULL = ready
  lease_expires_at INTEGER,                    -- epoch ms; NULL = ready
  content_type     TEXT    NOT NULL,
  content_encoding TEXT    NOT NULL,
  headers          TEXT    NOT NULL,           -- JSON object
  properties       TEXT    NOT NULL,           -- JSON object
  body             BLOB    NOT NULL
);
-- Consumers take the lowest (priority, id) ready row of a queue; leased rows leave this index.
CREATE INDEX IF NOT EXISTS celeriac_messages_ready
  ON celeriac_messages (queue, priority, id) WHERE lease_owner IS NULL;
-- Leased rows only (bounded by the sum of prefetch windows): expiry and per-owner release.
CREATE INDEX IF NOT EXISTS celeriac_messages_leased
  ON celeriac_messages (lease_expires_at) WHERE lease_owner IS NOT NULL;

CREATE TABLE IF NOT EXISTS celeriac_dead_letters (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  queue            TEXT    NOT NULL,
  reason           TEXT    NOT NULL,
  died_at          INTEGER NOT NULL,           -- epoch ms
  priority         INTEGER NOT NULL,
  exchange         TEXT    NOT NULL,
  routing_key      TEXT    NOT NULL,
  content_type     TEXT    NOT NULL,
  content_encoding TEXT    NOT NULL,
  headers          TEXT    NOT NULL,
  properties       TEXT    NOT NULL,
  body             BLOB    NOT NULL
);

CREATE TABLE IF NOT EXISTS celeriac_queues (name TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS celeriac_revoked (
  task_id    TEXT    PRIMARY KEY,
  expires_at INTEGER NOT NULL                  -- epoch ms
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS celeriac_exchanges (
  name TEXT PRIMARY KEY,
  type TEXT NOT NULL                           -- 'direct', 'topic' or 'fanout' (the first declared stays)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS celeriac_bindings (
  exchange    TEXT NOT NULL,
  routing_key TEXT NOT NULL,
  queue       TEXT NOT NULL,
  PRIMARY KEY (exchange, routing_key, queue)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS celeriac_consumers (
  id           TEXT    PRIMARY KEY,
  pid          INTEGER NOT NULL,
  hostname     TEXT    NOT NULL,
  started_at   INTEGER NOT NULL,               -- epoch ms
  heartbeat_at INTEGER NOT NULL                -- epoch ms
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS celeriac_rate_tokens (
  key         TEXT    PRIMARY KEY,             -- task name of a global rate limit
  next_due_at INTEGER NOT NULL                 -- epoch ms when its next token is due
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS celeriac_transport_meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** How long a connection waits for another process's write lock before failing (ms). */
export interface OpenOptions {
  busyTimeoutMs: number;
}

/**
 * Opens the broker database at `path` the way every embedded component does
 * ({@link openSqliteDatabase}: WAL, `synchronous=NORMAL`, busy timeout, parent directory created)
 * and creates the transport's tables. `:memory:` works but is private to this connection.
 *
 * @throws CeleriacError `CONFIG_INVALID` when the file was created by a newer celeriac; the
 *   driver's or file system's error when the file cannot be opened (the transport wraps it).
 */
export function openBrokerDatabase(path: string, options: OpenOptions): SqliteDatabase {
  const db = openSqliteDatabase(path, options);
  try {
    db.transaction(() => {
      db.exec(SCHEMA);
      const found = db
        .prepare<[], number>(`SELECT value FROM celeriac_transport_meta WHERE key = 'schema_version'`)
        .pluck()
        .get();
      if (found !== undefined && found > TRANSPORT_SCHEMA_VERSION) {
        throw new CeleriacError(
          'CONFIG_INVALID',
          `${path} holds a celeriac transport schema v${found}; this celeriac knows v${TRANSPORT_SCHEMA_VERSION} (upgrade celeriac)`,
        );
      }
      db.prepare(
        `INSERT OR IGNORE INTO celeriac_transport_meta (key, value) VALUES ('schema_version', ?)`,
      ).run(TRANSPORT_SCHEMA_VERSION);
    }).immediate();
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
