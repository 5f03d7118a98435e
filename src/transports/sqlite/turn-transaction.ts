/**
 * What one commit of the sqlite transport does, inside one `BEGIN IMMEDIATE` transaction:
 * insert the turn's publishes (routing named exchanges through the binding table), apply its
 * acks / requeues / dead-letterings, then lease messages for every local consumer with a free
 * prefetch window. One transaction instead of one per call is what makes the transport fast:
 * a commit costs far more than a row.
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../../internal/clock.js';
import type { TransportLogger } from '../transport.js';
import { unroutableWarning } from '../virtual/exchange-table.js';
import type { QosConsumer } from '../virtual/qos-consumer.js';
import type { BindingStore } from './binding-store.js';
import type { ConsumerRegistry } from './consumer-registry.js';
import type { LeaseReaper } from './lease-reaper.js';
import type { FetchedRow, MessageRecord, MessageStore } from './message-store.js';
import type { PendingWrites } from './pending-writes.js';

/** Rows fetched per query at most (also the batch size of a prefetch-0 consumer). */
const MAX_FETCH = 1_000;

/** Messages leased for one consumer by a commit, in delivery order. */
export interface Fetched {
  consumer: QosConsumer<string>;
  rows: FetchedRow[];
}

export interface TurnTransactionOptions {
  store: MessageStore;
  bindings: BindingStore;
  registry: ConsumerRegistry;
  reaper: LeaseReaper;
  clock: Clock;
  logger: TransportLogger;
  visibilityTimeoutMs: number;
}

export class TurnTransaction {
  readonly #options: TurnTransactionOptions;
  readonly #transaction;
  /** Who fetches first rotates, so local consumers of one queue share it. */
  #consumerCursor = 0;

  constructor(db: Database.Database, options: TurnTransactionOptions) {
    this.#options = options;
    this.#transaction = db.transaction(
      (writes: PendingWrites, consumers: readonly QosConsumer<string>[]): Fetched[] =>
        this.#apply(writes, consumers),
    );
  }

  /**
   * Commits `writes` and leases for `consumers` (pass none to only write). Throws (after
   * rolling back) when the database does.
   */
  run(writes: PendingWrites, consumers: readonly QosConsumer<string>[]): Fetched[] {
    return this.#transaction.immediate(writes, consumers);
  }

  #apply(writes: PendingWrites, consumers: readonly QosConsumer<string>[]): Fetched[] {
    const { store, registry, clock } = this.#options;
    if (writes.inserts.length > 0) this.#insertAll(writes.inserts, consumers);
    for (const id of writes.acks) store.delete(id);
    for (const id of writes.releases) store.release(id, registry.id);
    for (const id of writes.unleases) store.unlease(id, registry.id);
    if (writes.deadLetterIds.length > 0) {
      const nowMs = clock.now();
      writes.deadLetterIds.forEach((id, i) => store.moveToDeadLetters(id, writes.deadLetterReasons[i]!, nowMs));
    }
    const fetched: Fetched[] = [];
    const count = consumers.length;
    if (count === 0) return fetched;
    const expiresAtMs = clock.now() + this.#options.visibilityTimeoutMs;
    const first = this.#consumerCursor++ % count;
    for (let i = 0; i < count; i++) {
      const consumer = consumers[(first + i) % count]!;
      if (!consumer.active || !consumer.mayHaveMore || consumer.freeSlots <= 0) continue;
      const rows = this.#fetchFor(consumer, expiresAtMs);
      if (rows !== undefined) fetched.push({ consumer, rows });
    }
    if (fetched.length > 0) this.#options.reaper.noteLease(expiresAtMs);
    return fetched;
  }

  #insertAll(inserts: readonly MessageRecord[], consumers: readonly QosConsumer<string>[]): void {
    const { store, bindings, logger } = this.#options;
    let bindingsFresh = false;
    const touched = new Set<string>();
    for (const record of inserts) {
      if (record.exchange === '') {
        store.insert(record.routingKey, record);
        touched.add(record.routingKey);
        continue;
      }
      if (!bindingsFresh) {
        bindings.refresh();
        bindingsFresh = true;
      }
      const queues = bindings.route(record.exchange, record.routingKey);
      if (queues.length === 0) logger.warn(unroutableWarning(record.exchange, record.routingKey));
      for (const queue of queues) {
        store.insert(queue, record);
        touched.add(queue);
      }
    }
    for (const consumer of consumers) {
      if (!consumer.mayHaveMore && consumer.queues.some((q) => touched.has(q))) {
        consumer.mayHaveMore = true;
      }
    }
  }

  /** Leases up to the consumer's free window, round-robin over its queues. */
  #fetchFor(consumer: QosConsumer<string>, expiresAtMs: number): FetchedRow[] | undefined {
    const { store, registry } = this.#options;
    const { queues } = consumer;
    const count = queues.length;
    const first = consumer.cursor;
    consumer.cursor = (first + 1) % count;
    let wanted = Math.min(consumer.freeSlots, MAX_FETCH);
    let rows: FetchedRow[] | undefined;
    for (let i = 0; i < count && wanted > 0; i++) {
      const got = store.fetch(registry.id, expiresAtMs, queues[(first + i) % count]!, wanted);
      if (got.length === 0) continue;
      rows = rows === undefined ? got : rows.concat(got);
      wanted -= got.length;
    }
    // A full window means there may be more; a short one means the queues ran dry.
    consumer.mayHaveMore = wanted === 0;
    return rows;
  }
}
