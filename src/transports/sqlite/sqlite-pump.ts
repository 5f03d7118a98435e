/**
 * The sqlite transport's engine: collects the publishes and settles (ack, requeue, dead letter)
 * of an event-loop turn, commits them in ONE transaction together with the fetches for every
 * consumer with free prefetch slots (`TurnTransaction`), settles the callers' shared promise, and
 * hands the leased rows to their consumers. Wake-ups (a local publish, another process's commit,
 * a released lease) mark consumers as maybe having more and schedule the next turn.
 */
import { reasonOf, sqliteFailure } from '../../connections/sqlite-failure.js';
import type { Clock } from '../../internal/clock.js';
import type { TransportMessage } from '../../protocol/transport-message.js';
import type { TransportLogger } from '../transport.js';
import { transportClosedError } from '../virtual/closed-error.js';
import { CommitBatch } from '../virtual/commit-batch.js';
import type { QosConsumer } from '../virtual/qos-consumer.js';
import { SettleOutcome } from '../virtual/settle-outcome.js';
import { rowToMessage, type FetchedRow, type MessageRecord, type MessageStore } from './message-store.js';
import { describeWrites, hasPendingWrites, noPendingWrites, type PendingWrites } from './pending-writes.js';
import { SqliteDelivery, type SqliteSettler } from './sqlite-delivery.js';
import type { Fetched, TurnTransaction } from './turn-transaction.js';

const RESOLVED: Promise<void> = Promise.resolve();

/** The parts of an open sqlite transport the pump works on. */
export interface PumpTarget {
  store: MessageStore;
  turn: TurnTransaction;
}

export interface SqlitePumpOptions {
  clock: Clock;
  logger: TransportLogger;
  /** How long to wait before trying again after the database refused. */
  pollIntervalMs: number;
  /** The open transport, or undefined after stop(). */
  open: () => PumpTarget | undefined;
  /** The transport's active consumers. */
  consumers: () => readonly QosConsumer<string>[];
}

export class SqlitePump implements SqliteSettler {
  /** Bumped by every stop: deliveries of an earlier start can no longer be settled. */
  #epoch = 0;
  #writes: PendingWrites = noPendingWrites();
  #batch: CommitBatch | undefined;
  #scheduled = false;
  #cancelRetry: (() => void) | undefined;

  constructor(private readonly options: SqlitePumpOptions) {}

  /** Adds a publish to this turn's batch; settles when the batch committed. */
  publish(record: MessageRecord): Promise<void> {
    this.#writes.inserts.push(record);
    this.schedule();
    return (this.#batch ??= new CommitBatch()).promise;
  }

  settle(delivery: SqliteDelivery, outcome: SettleOutcome, reason?: string): Promise<void> {
    if (delivery.settled) return RESOLVED;
    if (delivery.epoch !== this.#epoch || this.options.open() === undefined) {
      return Promise.reject(transportClosedError('settle a delivery made before stop()'));
    }
    delivery.settled = true;
    if (delivery.countsTowardPrefetch) delivery.consumer.unacked--;
    const writes = this.#writes;
    if (outcome === SettleOutcome.Requeue) {
      writes.releases.push(delivery.id);
      this.wakeQueue(delivery.queue);
    } else if (outcome === SettleOutcome.DeadLetter) {
      writes.deadLetterIds.push(delivery.id);
      writes.deadLetterReasons.push(reason ?? '');
    } else {
      writes.acks.push(delivery.id);
    }
    this.schedule();
    return (this.#batch ??= new CommitBatch()).promise;
  }

  recount(delivery: SqliteDelivery, counts: boolean): void {
    if (delivery.settled || delivery.countsTowardPrefetch === counts || delivery.epoch !== this.#epoch) return;
    delivery.countsTowardPrefetch = counts;
    delivery.consumer.unacked += counts ? 1 : -1;
    if (!counts) this.schedule();
  }

  schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#pump);
  }

  /** Commits pending writes now, without fetching (before reads and at stop). */
  flushWrites(): void {
    const open = this.options.open();
    if (open !== undefined && hasPendingWrites(this.#writes)) this.#commit(open, false);
  }

  /** At stop: no retry pending, and deliveries made so far can no longer be settled. */
  stop(): void {
    this.#cancelRetry?.();
    this.#cancelRetry = undefined;
  }

  /** After stop() closed the database: later settles of earlier deliveries fail. */
  endEpoch(): void {
    this.#epoch++;
  }

  wakeQueue(queue: string): void {
    for (const consumer of this.options.consumers()) {
      if (consumer.queues.includes(queue)) consumer.mayHaveMore = true;
    }
  }

  wakeAll(): void {
    const consumers = this.options.consumers();
    for (const consumer of consumers) consumer.mayHaveMore = true;
    if (consumers.length > 0) this.schedule();
  }

  readonly #pump = (): void => {
    this.#scheduled = false;
    const open = this.options.open();
    if (open === undefined) return;
    // Without writes to commit, look before taking the write lock: most wake-ups (another
    // process's commit, a poll) find nothing new for us.
    if (!hasPendingWrites(this.#writes)) {
      let ready: boolean;
      try {
        ready = this.#anyConsumerFindsReady(open);
      } catch (error) {
        this.options.logger.warn(`sqlite transport: looking for messages failed: ${reasonOf(error)}`);
        this.#retryLater();
        return;
      }
      if (!ready) return;
    }
    const fetched = this.#commit(open, true);
    if (fetched === undefined) {
      this.#retryLater();
      return;
    }
    if (fetched.length > 0) this.#deliver(open, fetched);
    for (const consumer of this.options.consumers()) {
      if (consumer.mayHaveMore && consumer.freeSlots > 0) {
        this.schedule();
        break;
      }
    }
  };

  /**
   * The database refused (busy past the timeout, disk error): try again a poll later rather
   * than spin on it.
   */
  #retryLater(): void {
    this.#cancelRetry ??= this.options.clock.setTimer(() => {
      this.#cancelRetry = undefined;
      this.schedule();
    }, this.options.pollIntervalMs);
  }

  /**
   * Runs one write transaction and settles the batch's promises; returns what was leased, or
   * undefined when the transaction failed (the batch's callers see the error, wrapped once
   * here for all of them: this is the one place a publish, ack or reject meets SQLite).
   */
  #commit(open: PumpTarget, fetch: boolean): Fetched[] | undefined {
    const writes = this.#writes;
    const batch = this.#batch;
    this.#writes = noPendingWrites();
    this.#batch = undefined;
    let fetched: Fetched[];
    try {
      fetched = open.turn.run(writes, fetch ? this.options.consumers() : []);
    } catch (error) {
      const what = describeWrites(writes);
      this.options.logger.warn(`sqlite transport: write transaction failed (${what}): ${reasonOf(error)}`);
      batch?.reject(sqliteFailure('TRANSPORT_ERROR', `sqlite transport: ${what}`, error));
      return undefined;
    }
    batch?.resolve();
    return fetched;
  }

  #deliver(open: PumpTarget, fetched: readonly Fetched[]): void {
    const epoch = this.#epoch;
    for (const { consumer, rows } of fetched) {
      consumer.unacked += rows.length;
      for (let i = 0; i < rows.length; i++) {
        if (!consumer.active || this.options.open() !== open) {
          this.#giveBackUndelivered(open, consumer, rows, i);
          break;
        }
        const row = rows[i]!;
        let message: TransportMessage;
        try {
          message = rowToMessage(row);
        } catch (error) {
          this.#deadLetterUnreadable(consumer, row, error);
          continue;
        }
        const delivery = new SqliteDelivery(
          this,
          consumer,
          epoch,
          row.id,
          message,
          row.queue,
          row.redelivered !== 0,
          row.exchange,
          row.routing_key,
        );
        try {
          consumer.onMessage(delivery);
        } catch (error) {
          this.options.logger.warn(`sqlite transport: onMessage threw (it must not): ${String(error)}`);
        }
      }
    }
  }

  /** A row someone wrote with broken JSON: keep it as a dead letter rather than loop on it. */
  #deadLetterUnreadable(consumer: QosConsumer<string>, row: FetchedRow, error: unknown): void {
    const reason = `stored message is unreadable: ${String(error)}`;
    this.options.logger.warn(`sqlite transport: message ${row.id} of queue '${row.queue}': ${reason}`);
    consumer.unacked--;
    this.#writes.deadLetterIds.push(row.id);
    this.#writes.deadLetterReasons.push(reason);
    this.schedule();
  }

  /** The consumer went away mid-batch: the rest were leased but never handed out. */
  #giveBackUndelivered(open: PumpTarget, consumer: QosConsumer<string>, rows: readonly FetchedRow[], from: number): void {
    consumer.unacked -= rows.length - from;
    if (this.options.open() !== open) return; // stop() already gave every lease back
    for (let i = from; i < rows.length; i++) this.#writes.unleases.push(rows[i]!.id);
    this.wakeQueue(rows[from]!.queue);
    this.schedule();
  }

  #anyConsumerFindsReady(open: PumpTarget): boolean {
    let found = false;
    for (const consumer of this.options.consumers()) {
      if (!consumer.active || !consumer.mayHaveMore || consumer.freeSlots <= 0) continue;
      if (consumer.queues.some((q) => open.store.hasReady(q))) found = true;
      else consumer.mayHaveMore = false;
    }
    return found;
  }
}
