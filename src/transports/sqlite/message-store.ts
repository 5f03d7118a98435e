/**
 * The SQL of the sqlite transport's messages and dead letters: prepared once, run synchronously
 * (better-sqlite3). Callers own transactions; every method here is one statement or a few.
 */
import type Database from 'better-sqlite3';
import type { TransportMessage } from '../../protocol/transport-message.js';
import type { DeadLetter } from '../transport.js';

/** A message ready to insert, already serialized (so a bad message fails only its publisher). */
export interface MessageRecord {
  priority: number;
  exchange: string;
  routingKey: string;
  contentType: string;
  contentEncoding: string;
  headersJson: string;
  propertiesJson: string;
  body: Buffer;
}

/** A leased row as a fetch returns it. */
export interface FetchedRow {
  id: number;
  queue: string;
  priority: number;
  exchange: string;
  routing_key: string;
  redelivered: number;
  content_type: string;
  content_encoding: string;
  headers: string;
  properties: string;
  body: Buffer;
}

interface DeadLetterRow {
  id: number;
  queue: string;
  reason: string;
  died_at: number;
  content_type: string;
  content_encoding: string;
  headers: string;
  properties: string;
  body: Buffer;
}

const MESSAGE_COLUMNS = 'content_type, content_encoding, headers, properties, body';
const RELEASE = 'SET lease_owner = NULL, lease_expires_at = NULL, redelivered = 1';

/** Rebuilds the message a row stores. */
export function rowToMessage(row: {
  content_type: string;
  content_encoding: string;
  headers: string;
  properties: string;
  body: Buffer;
}): TransportMessage {
  return {
    body: row.body,
    contentType: row.content_type,
    contentEncoding: row.content_encoding,
    headers: JSON.parse(row.headers) as Record<string, unknown>,
    properties: JSON.parse(row.properties) as TransportMessage['properties'],
  };
}

export class MessageStore {
  readonly #insert;
  readonly #fetch;
  readonly #hasReady;
  readonly #delete;
  readonly #release;
  readonly #unlease;
  readonly #releaseOwner;
  readonly #releaseExpired;
  readonly #releaseOrphans;
  readonly #renew;
  readonly #nextExpiry;
  readonly #purge;
  readonly #size;
  readonly #moveToDeadLetters;
  readonly #insertDeadLetter;
  readonly #listDeadLetters;
  readonly #requeueDeadLetter;
  readonly #requeueAllDeadLetters;
  readonly #deleteDeadLetter;
  readonly #deleteAllDeadLetters;

  constructor(db: Database.Database) {
    this.#insert = db.prepare<[string, number, string, string, string, string, string, string, Buffer]>(
      `INSERT INTO celeriac_messages (queue, priority, exchange, routing_key, ${MESSAGE_COLUMNS})
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // The subquery walks the partial "ready" index; the caller holds the write lock (BEGIN
    // IMMEDIATE), so no other process can lease the same rows in between. RETURNING has no
    // defined order: callers sort.
    this.#fetch = db.prepare<[string, number, string, number], FetchedRow>(
      `UPDATE celeriac_messages SET lease_owner = ?, lease_expires_at = ?
       WHERE id IN (SELECT id FROM celeriac_messages
                    WHERE queue = ? AND lease_owner IS NULL ORDER BY priority, id LIMIT ?)
       RETURNING id, queue, priority, exchange, routing_key, redelivered, ${MESSAGE_COLUMNS}`,
    );
    this.#hasReady = db
      .prepare<[string], number>(
        `SELECT 1 FROM celeriac_messages WHERE queue = ? AND lease_owner IS NULL LIMIT 1`,
      )
      .pluck();
    this.#delete = db.prepare<[number]>(`DELETE FROM celeriac_messages WHERE id = ?`);
    // Only our own lease: if it expired and someone else holds the message now, leave it be.
    this.#release = db.prepare<[number, string]>(
      `UPDATE celeriac_messages ${RELEASE} WHERE id = ? AND lease_owner = ?`,
    );
    this.#unlease = db.prepare<[number, string]>(
      `UPDATE celeriac_messages SET lease_owner = NULL, lease_expires_at = NULL
       WHERE id = ? AND lease_owner = ?`,
    );
    this.#releaseOwner = db.prepare<[string]>(
      `UPDATE celeriac_messages ${RELEASE} WHERE lease_owner IS NOT NULL AND lease_owner = ?`,
    );
    this.#releaseExpired = db.prepare<[number]>(
      `UPDATE celeriac_messages ${RELEASE}
       WHERE lease_owner IS NOT NULL AND lease_expires_at <= ?`,
    );
    this.#releaseOrphans = db.prepare<[]>(
      `UPDATE celeriac_messages ${RELEASE}
       WHERE lease_owner IS NOT NULL AND lease_owner NOT IN (SELECT id FROM celeriac_consumers)`,
    );
    // Walks the leased-rows index from the earliest expiry up to the renewal horizon only, so a
    // renewal touches the rows due for it, not every row leased.
    this.#renew = db.prepare<[number, number, string]>(
      `UPDATE celeriac_messages SET lease_expires_at = ?
       WHERE lease_owner IS NOT NULL AND lease_expires_at < ? AND lease_owner = ?`,
    );
    this.#nextExpiry = db
      .prepare<[], number | null>(
        `SELECT MIN(lease_expires_at) FROM celeriac_messages WHERE lease_owner IS NOT NULL`,
      )
      .pluck();
    this.#purge = db.prepare<[string]>(
      `DELETE FROM celeriac_messages WHERE queue = ? AND lease_owner IS NULL`,
    );
    this.#size = db
      .prepare<[string], number>(
        `SELECT COUNT(*) FROM celeriac_messages WHERE queue = ? AND lease_owner IS NULL`,
      )
      .pluck();
    this.#moveToDeadLetters = db.prepare<[string, number, number]>(
      `INSERT INTO celeriac_dead_letters
         (queue, reason, died_at, priority, exchange, routing_key, ${MESSAGE_COLUMNS})
       SELECT queue, ?, ?, priority, exchange, routing_key, ${MESSAGE_COLUMNS}
       FROM celeriac_messages WHERE id = ?`,
    );
    this.#insertDeadLetter = db.prepare<
      [string, string, number, number, string, string, string, string, string, string, Buffer]
    >(
      `INSERT INTO celeriac_dead_letters
         (queue, reason, died_at, priority, exchange, routing_key, ${MESSAGE_COLUMNS})
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#listDeadLetters = db.prepare<[number], DeadLetterRow>(
      `SELECT id, queue, reason, died_at, ${MESSAGE_COLUMNS}
       FROM celeriac_dead_letters ORDER BY id LIMIT ?`,
    );
    const requeue = `INSERT INTO celeriac_messages
         (queue, priority, exchange, routing_key, ${MESSAGE_COLUMNS})
       SELECT queue, priority, exchange, routing_key, ${MESSAGE_COLUMNS} FROM celeriac_dead_letters`;
    this.#requeueDeadLetter = db.prepare<[number]>(`${requeue} WHERE id = ?`);
    this.#requeueAllDeadLetters = db.prepare<[]>(`${requeue} ORDER BY id`);
    this.#deleteDeadLetter = db.prepare<[number]>(`DELETE FROM celeriac_dead_letters WHERE id = ?`);
    this.#deleteAllDeadLetters = db.prepare<[]>(`DELETE FROM celeriac_dead_letters`);
  }

  insert(queue: string, record: MessageRecord): void {
    this.#insert.run(
      queue,
      record.priority,
      record.exchange,
      record.routingKey,
      record.contentType,
      record.contentEncoding,
      record.headersJson,
      record.propertiesJson,
      record.body,
    );
  }

  /** Leases up to `limit` ready messages of `queue` to `owner`, in (priority, id) order. */
  fetch(owner: string, leaseExpiresAtMs: number, queue: string, limit: number): FetchedRow[] {
    const rows = this.#fetch.all(owner, leaseExpiresAtMs, queue, limit);
    if (rows.length > 1) rows.sort(byPriorityThenId);
    return rows;
  }

  /** True when `queue` has a ready message (a read, no write lock). */
  hasReady(queue: string): boolean {
    return this.#hasReady.get(queue) !== undefined;
  }

  delete(id: number): void {
    this.#delete.run(id);
  }

  /** Puts an unacked message back, marked redelivered, if `owner` still holds it. */
  release(id: number, owner: string): void {
    this.#release.run(id, owner);
  }

  /** Puts a leased but never delivered message back as it was. */
  unlease(id: number, owner: string): void {
    this.#unlease.run(id, owner);
  }

  /** Gives back every message `owner` holds; returns how many. */
  releaseOwner(owner: string): number {
    return this.#releaseOwner.run(owner).changes;
  }

  /** Gives back messages whose lease expired at or before `nowMs`; returns how many. */
  releaseExpired(nowMs: number): number {
    return this.#releaseExpired.run(nowMs).changes;
  }

  /** Gives back messages leased by consumers that are no longer registered; returns how many. */
  releaseOrphans(): number {
    return this.#releaseOrphans.run().changes;
  }

  /**
   * Extends to `expiresAtMs` every lease `owner` holds that would end before `renewBeforeMs`;
   * returns how many. Leases given back or taken by another owner meanwhile stay as they are.
   */
  renewLeases(owner: string, renewBeforeMs: number, expiresAtMs: number): number {
    return this.#renew.run(expiresAtMs, renewBeforeMs, owner).changes;
  }

  /** The earliest lease expiry (epoch ms), or null when nothing is leased. */
  nextLeaseExpiry(): number | null {
    return this.#nextExpiry.get() ?? null;
  }

  purge(queue: string): number {
    return this.#purge.run(queue).changes;
  }

  size(queue: string): number {
    return this.#size.get(queue) ?? 0;
  }

  /** Moves a stored message to the dead letters. */
  moveToDeadLetters(id: number, reason: string, nowMs: number): void {
    this.#moveToDeadLetters.run(reason, nowMs, id);
    this.#delete.run(id);
  }

  insertDeadLetter(queue: string, reason: string, nowMs: number, record: MessageRecord): void {
    this.#insertDeadLetter.run(
      queue,
      reason,
      nowMs,
      record.priority,
      record.exchange,
      record.routingKey,
      record.contentType,
      record.contentEncoding,
      record.headersJson,
      record.propertiesJson,
      record.body,
    );
  }

  /**
   * Oldest first; `limit` < 0 = all. A dead letter whose stored JSON is broken (the reason it
   * died, usually) lists with empty headers/properties; its raw text stays in the table.
   */
  listDeadLetters(limit: number): DeadLetter[] {
    return this.#listDeadLetters.all(limit).map((row) => ({
      id: String(row.id),
      queue: row.queue,
      reason: row.reason,
      diedAtMs: row.died_at,
      message: {
        body: row.body,
        contentType: row.content_type,
        contentEncoding: row.content_encoding,
        headers: parseObjectOrEmpty(row.headers),
        properties: parseObjectOrEmpty(row.properties),
      },
    }));
  }

  /** Moves dead letters (all, or those ids) back to their queues; returns how many. */
  requeueDeadLetters(ids: readonly number[] | undefined): number {
    if (ids === undefined) {
      const count = this.#requeueAllDeadLetters.run().changes;
      this.#deleteAllDeadLetters.run();
      return count;
    }
    let count = 0;
    for (const id of ids) {
      if (this.#requeueDeadLetter.run(id).changes === 0) continue;
      this.#deleteDeadLetter.run(id);
      count++;
    }
    return count;
  }
}

function parseObjectOrEmpty(json: string): Record<string, unknown> {
  try {
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function byPriorityThenId(a: FetchedRow, b: FetchedRow): number {
  return a.priority - b.priority || a.id - b.id;
}
