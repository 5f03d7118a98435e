/**
 * `sqlite://` — the embedded default broker: one SQLite file (better-sqlite3, WAL), durable and
 * shared safely by every process on the host that opens it. It mirrors kombu's Redis transport
 * semantics (ack emulation, visibility timeout, priorities 0..9 with 0 first, binding table) on
 * rows instead of lists:
 *
 * - Taking a message *leases* its row to this transport (`UPDATE … RETURNING` inside
 *   `BEGIN IMMEDIATE`, so two processes never lease one row); ack deletes it.
 * - A lease ends at the visibility timeout (kombu's `visibility_timeout`, 1 hour), at once when
 *   the owning process is gone (see `lease-reaper.ts`), or at `stop()` (warm shutdown gives
 *   unacked messages back). Given-back messages come again with `redelivered: true`.
 * - Writes are batched: every publish and ack of one event-loop turn, plus the fetches that
 *   follow, commit in ONE transaction; each caller's promise settles when it committed.
 * - Other processes' commits are noticed, while this transport has consumers, by the shared
 *   `SqliteChangeWatcher` (file watch on the `-wal`, trailing re-check, slow poll); local
 *   publishes wake local consumers directly.
 * - SQLite failures reach callers as `CeleriacError('TRANSPORT_ERROR')` with the driver's error
 *   as `cause`; a failed batch commit fails every publish/ack/reject that joined it.
 */
import { dirname, resolve } from 'node:path';
import { SqliteChangeWatcher } from '../../connections/sqlite-change-watcher.js';
import type { SqliteDatabase } from '../../connections/sqlite-database.js';
import { reasonOf, sqliteFailure } from '../../connections/sqlite-failure.js';
import type { Clock } from '../../internal/clock.js';
import { systemClock } from '../../internal/clock.js';
import { parseSqliteUrl } from '../../internal/sqlite-url.js';
import { CeleriacError } from '../../errors.js';
import type { TransportMessage } from '../../protocol/transport-message.js';
import type {
  ConsumeOptions,
  DeadLetter,
  PublishRoute,
  QueueSpec,
  Transport,
  TransportCapabilities,
  TransportLogger,
} from '../transport.js';
import { transportClosedError } from '../virtual/closed-error.js';
import { CommitBatch } from '../virtual/commit-batch.js';
import { checkConsumeOptions } from '../virtual/consume-options-check.js';
import { ConsumerKeepAlive } from '../virtual/consumer-keep-alive.js';
import { processWarningLogger } from '../virtual/process-warning-logger.js';
import { QosConsumer } from '../virtual/qos-consumer.js';
import { SettleOutcome } from '../virtual/settle-outcome.js';
import { BindingStore } from './binding-store.js';
import { ConsumerRegistry } from './consumer-registry.js';
import { LeaseReaper } from './lease-reaper.js';
import { toMessageRecord } from './message-record.js';
import { MessageStore, rowToMessage, type FetchedRow, type MessageRecord } from './message-store.js';
import { describeWrites, hasPendingWrites, noPendingWrites, type PendingWrites } from './pending-writes.js';
import { openBrokerDatabase } from './schema.js';
import { SqliteDelivery, type SqliteSettler } from './sqlite-delivery.js';
import { TurnTransaction, type Fetched } from './turn-transaction.js';

export { parseSqliteUrl };

/** Defaults of {@link SqliteTransportOptions} (listed in docs/reference/settings.md). */
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
   * An unacked message whose consumer neither acks nor dies comes back after this long
   * (kombu's `visibility_timeout`). Keep it above your longest task and ETA countdown: an ETA
   * task waits unacked in the worker. Default 3,600,000 (1 hour).
   */
  visibilityTimeoutMs?: number;
  /** Fallback poll for other processes' publishes when file events are missed. Default 500. */
  pollIntervalMs?: number;
  /** How often this transport proves it is alive. Default 2,000. */
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

const RESOLVED: Promise<void> = Promise.resolve();

/** What exists only between start() and stop(). */
interface OpenState {
  db: SqliteDatabase;
  store: MessageStore;
  bindings: BindingStore;
  registry: ConsumerRegistry;
  reaper: LeaseReaper;
  /** Runs while this transport has consumers: nobody else needs other processes' commits. */
  watcher: SqliteChangeWatcher;
  turn: TurnTransaction;
  releaseOwn: () => void;
}

/**
 * The sqlite transport. See the module comment for the model.
 *
 * @example
 * const transport = new SqliteTransport({ url: 'sqlite:///celeriac.db' });
 * await transport.start();
 * await transport.publish(message, { exchange: '', routingKey: 'celery' });
 */
export class SqliteTransport implements Transport {
  readonly capabilities: TransportCapabilities = {
    durable: true,
    crossProcess: true,
    priority: true,
    fanout: false,
    nativeDelay: false,
  };

  /** The database file this transport opens (absolute, or `:memory:`). */
  readonly path: string;
  /** The timings in effect (options over {@link sqliteTransportDefaults}). */
  readonly settings: { readonly [K in keyof typeof sqliteTransportDefaults]: number };
  readonly #options: Required<Omit<SqliteTransportOptions, 'url' | 'path'>>;
  readonly #settler: SqliteSettler = {
    settle: (delivery, outcome, reason) => this.#settle(delivery, outcome, reason),
  };
  #open: OpenState | undefined;
  /** Bumped by every stop(): deliveries of an earlier start can no longer be settled. */
  #epoch = 0;
  #consumers: QosConsumer<string>[] = [];
  #writes: PendingWrites = noPendingWrites();
  #batch: CommitBatch | undefined;
  #pumpScheduled = false;
  #cancelRetry: (() => void) | undefined;
  readonly #keepAlive = new ConsumerKeepAlive();

  /** @throws CeleriacError `BAD_URL` for a malformed URL; `USAGE` when neither url nor path. */
  constructor(options: SqliteTransportOptions) {
    const path = options.path ?? (options.url === undefined ? undefined : parseSqliteUrl(options.url));
    if (path === undefined) {
      throw new CeleriacError('USAGE', 'SqliteTransport needs a url (sqlite:///file.db) or a path');
    }
    this.path = path === ':memory:' ? path : resolve(path);
    this.#options = {
      visibilityTimeoutMs: options.visibilityTimeoutMs ?? sqliteTransportDefaults.visibilityTimeoutMs,
      pollIntervalMs: options.pollIntervalMs ?? sqliteTransportDefaults.pollIntervalMs,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? sqliteTransportDefaults.heartbeatIntervalMs,
      consumerTimeoutMs: options.consumerTimeoutMs ?? sqliteTransportDefaults.consumerTimeoutMs,
      reapIntervalMs: options.reapIntervalMs ?? sqliteTransportDefaults.reapIntervalMs,
      busyTimeoutMs: options.busyTimeoutMs ?? sqliteTransportDefaults.busyTimeoutMs,
      clock: options.clock ?? systemClock,
      logger: options.logger ?? processWarningLogger,
    };
    const { clock: _clock, logger: _logger, ...settings } = this.#options;
    this.settings = Object.freeze(settings);
  }

  /**
   * Opens the file (creating it, its directory and the tables), registers this consumer and
   * reaps dead ones. Idempotent.
   *
   * @throws CeleriacError `TRANSPORT_ERROR` when the file cannot be opened or written (cause:
   *   the driver's error); `CONFIG_INVALID` when a newer celeriac created it.
   */
  async start(): Promise<void> {
    if (this.#open !== undefined) return;
    const { clock, logger } = this.#options;
    let db: SqliteDatabase;
    try {
      db = openBrokerDatabase(this.path, { busyTimeoutMs: this.#options.busyTimeoutMs });
    } catch (error) {
      throw sqliteFailure('TRANSPORT_ERROR', `sqlite transport: opening ${this.path}`, error);
    }
    try {
      const store = new MessageStore(db);
      const registry = new ConsumerRegistry(db, {
        clock,
        logger,
        heartbeatIntervalMs: this.#options.heartbeatIntervalMs,
        consumerTimeoutMs: this.#options.consumerTimeoutMs,
      });
      const bindings = new BindingStore(db);
      const releaseTx = db.transaction(() => {
        store.releaseOwner(registry.id);
        registry.unregister();
      });
      const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
      const reaper = new LeaseReaper(db, store, registry, {
        clock,
        logger,
        reapIntervalMs: this.#options.reapIntervalMs,
        onReleased: () => this.#wakeAll(),
      });
      const { visibilityTimeoutMs } = this.#options;
      const open: OpenState = {
        db,
        store,
        bindings,
        registry,
        reaper,
        watcher: new SqliteChangeWatcher({
          path: this.path,
          pollIntervalMs: this.#options.pollIntervalMs,
          dataVersion: () => dataVersion.get() ?? 0,
          onChange: () => this.#wakeAll(),
          onWatchError: (error) =>
            logger.warn(
              `sqlite transport: file watch on ${dirname(this.path)} failed (${reasonOf(error)}); ` +
                `polling every ${this.#options.pollIntervalMs} ms instead`,
            ),
        }),
        turn: new TurnTransaction(db, { store, bindings, registry, reaper, clock, logger, visibilityTimeoutMs }),
        releaseOwn: () => releaseTx.immediate(),
      };
      registry.register();
      this.#open = open;
      open.reaper.start();
    } catch (error) {
      this.#open = undefined;
      db.close();
      throw sqliteFailure('TRANSPORT_ERROR', `sqlite transport: opening ${this.path}`, error);
    }
  }

  /**
   * Ends consumers, commits pending publishes and acks, gives this transport's unacked
   * messages back (redelivered) and closes the file. Idempotent.
   */
  async stop(): Promise<void> {
    const open = this.#open;
    if (open === undefined) return;
    for (const consumer of this.#consumers) consumer.deactivate();
    this.#consumers = [];
    this.#consumersChanged();
    open.watcher.stop();
    open.reaper.stop();
    this.#cancelRetry?.();
    this.#cancelRetry = undefined;
    this.#flushWrites();
    open.registry.stopHeartbeat();
    try {
      open.releaseOwn();
    } catch (error) {
      // The leases still end: another process's reaper sees this consumer's heartbeat stop
      // (or its pid gone), and the visibility timeout is the last resort.
      this.#options.logger.warn(`sqlite transport: could not give back unacked messages: ${String(error)}`);
    }
    this.#open = undefined;
    this.#epoch++;
    open.db.close();
  }

  /** @throws CeleriacError `TRANSPORT_ERROR` when the declaration cannot be written. */
  async declareQueue(spec: QueueSpec): Promise<void> {
    const open = this.#started('declare a queue');
    try {
      open.bindings.declare(spec);
    } catch (error) {
      throw sqliteFailure('TRANSPORT_ERROR', `sqlite transport: declaring queue '${spec.name}'`, error);
    }
  }

  /**
   * Joins this turn's batch; the promise settles when the batch committed.
   *
   * @throws CeleriacError `ENCODE_ERROR` for a message that cannot be stored (alone);
   *   `TRANSPORT_ERROR` when the batch's commit failed (every write of the batch fails with it).
   */
  publish(message: TransportMessage, route: PublishRoute): Promise<void> {
    if (this.#open === undefined) return Promise.reject(transportClosedError('publish'));
    let record: MessageRecord;
    try {
      record = toMessageRecord(message, route.exchange, route.routingKey);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    this.#writes.inserts.push(record);
    this.#schedulePump();
    return (this.#batch ??= new CommitBatch()).promise;
  }

  async consume(options: ConsumeOptions): Promise<void> {
    this.#started('consume');
    checkConsumeOptions(options);
    const { signal } = options;
    if (signal.aborted) return;
    const consumer: QosConsumer<string> = new QosConsumer(
      [...options.queues],
      options.prefetch,
      (delivery) => options.onMessage(delivery),
      signal,
      () => {
        consumer.deactivate();
        this.#consumers = this.#consumers.filter((c) => c !== consumer);
        this.#consumersChanged();
      },
    );
    signal.addEventListener('abort', consumer.onAbort, { once: true });
    this.#consumers = [...this.#consumers, consumer];
    this.#consumersChanged();
    this.#schedulePump();
  }

  /** @throws CeleriacError `TRANSPORT_ERROR` when the database fails. */
  async purge(queue: string): Promise<number> {
    const open = this.#started('purge');
    this.#flushWrites();
    try {
      return open.store.purge(queue);
    } catch (error) {
      throw sqliteFailure('TRANSPORT_ERROR', `sqlite transport: purge of queue '${queue}'`, error);
    }
  }

  /** @throws CeleriacError `TRANSPORT_ERROR` when the database fails. */
  async size(queue: string): Promise<number> {
    const open = this.#started('size a queue');
    this.#flushWrites();
    try {
      return open.store.size(queue);
    } catch (error) {
      throw sqliteFailure('TRANSPORT_ERROR', `sqlite transport: size of queue '${queue}'`, error);
    }
  }

  /** @throws CeleriacError `ENCODE_ERROR` (message cannot be stored), `TRANSPORT_ERROR`. */
  async deadLetter(message: TransportMessage, queue: string, reason: string): Promise<void> {
    const open = this.#started('dead-letter');
    const record = toMessageRecord(message, '', queue);
    this.#flushWrites();
    try {
      open.store.insertDeadLetter(queue, reason, this.#options.clock.now(), record);
    } catch (error) {
      throw sqliteFailure('TRANSPORT_ERROR', `sqlite transport: dead-lettering to '${queue}'`, error);
    }
  }

  /** @throws CeleriacError `TRANSPORT_ERROR` when the database fails. */
  async listDeadLetters(options: { limit?: number } = {}): Promise<DeadLetter[]> {
    const open = this.#started('list dead letters');
    this.#flushWrites();
    try {
      return open.store.listDeadLetters(options.limit ?? -1);
    } catch (error) {
      throw sqliteFailure('TRANSPORT_ERROR', 'sqlite transport: listing dead letters', error);
    }
  }

  /** @throws CeleriacError `TRANSPORT_ERROR` when the database fails. */
  async requeueDeadLetters(ids?: string[]): Promise<number> {
    const open = this.#started('requeue dead letters');
    this.#flushWrites();
    const numericIds = ids?.map(Number).filter(Number.isSafeInteger);
    let count: number;
    try {
      count = open.db.transaction(() => open.store.requeueDeadLetters(numericIds)).immediate();
    } catch (error) {
      throw sqliteFailure('TRANSPORT_ERROR', 'sqlite transport: requeueing dead letters', error);
    }
    if (count > 0) this.#wakeAll();
    return count;
  }

  #started(operation: string): OpenState {
    if (this.#open === undefined) throw transportClosedError(operation);
    return this.#open;
  }

  #settle(delivery: SqliteDelivery, outcome: SettleOutcome, reason?: string): Promise<void> {
    if (delivery.settled) return RESOLVED;
    if (delivery.epoch !== this.#epoch || this.#open === undefined) {
      return Promise.reject(transportClosedError('settle a delivery made before stop()'));
    }
    delivery.settled = true;
    delivery.consumer.unacked--;
    const writes = this.#writes;
    if (outcome === SettleOutcome.Requeue) {
      writes.releases.push(delivery.id);
      this.#wakeQueue(delivery.queue);
    } else if (outcome === SettleOutcome.DeadLetter) {
      writes.deadLetterIds.push(delivery.id);
      writes.deadLetterReasons.push(reason ?? '');
    } else {
      writes.acks.push(delivery.id);
    }
    this.#schedulePump();
    return (this.#batch ??= new CommitBatch()).promise;
  }

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    setImmediate(this.#pump);
  }

  readonly #pump = (): void => {
    this.#pumpScheduled = false;
    const open = this.#open;
    if (open === undefined) return;
    // Without writes to commit, look before taking the write lock: most wake-ups (another
    // process's commit, a poll) find nothing new for us.
    if (!hasPendingWrites(this.#writes)) {
      let ready: boolean;
      try {
        ready = this.#anyConsumerFindsReady(open);
      } catch (error) {
        this.#options.logger.warn(`sqlite transport: looking for messages failed: ${reasonOf(error)}`);
        this.#retryPumpLater();
        return;
      }
      if (!ready) return;
    }
    const fetched = this.#commit(open, true);
    if (fetched === undefined) {
      this.#retryPumpLater();
      return;
    }
    if (fetched.length > 0) this.#deliver(open, fetched);
    for (const consumer of this.#consumers) {
      if (consumer.mayHaveMore && consumer.freeSlots > 0) {
        this.#schedulePump();
        break;
      }
    }
  };

  /**
   * The database refused (busy past the timeout, disk error): try again a poll later rather
   * than spin on it.
   */
  #retryPumpLater(): void {
    this.#cancelRetry ??= this.#options.clock.setTimer(() => {
      this.#cancelRetry = undefined;
      this.#schedulePump();
    }, this.#options.pollIntervalMs);
  }

  /** Commits pending writes now, without fetching (before reads and at stop). */
  #flushWrites(): void {
    const open = this.#open;
    if (open !== undefined && hasPendingWrites(this.#writes)) this.#commit(open, false);
  }

  /**
   * Runs one write transaction and settles the batch's promises; returns what was leased, or
   * undefined when the transaction failed (the batch's callers see the error, wrapped once
   * here for all of them: this is the one place a publish, ack or reject meets SQLite).
   */
  #commit(open: OpenState, fetch: boolean): Fetched[] | undefined {
    const writes = this.#writes;
    const batch = this.#batch;
    this.#writes = noPendingWrites();
    this.#batch = undefined;
    let fetched: Fetched[];
    try {
      fetched = open.turn.run(writes, fetch ? this.#consumers : []);
    } catch (error) {
      const what = describeWrites(writes);
      this.#options.logger.warn(`sqlite transport: write transaction failed (${what}): ${reasonOf(error)}`);
      batch?.reject(sqliteFailure('TRANSPORT_ERROR', `sqlite transport: ${what}`, error));
      return undefined;
    }
    batch?.resolve();
    return fetched;
  }

  #deliver(open: OpenState, fetched: readonly Fetched[]): void {
    const epoch = this.#epoch;
    for (const { consumer, rows } of fetched) {
      consumer.unacked += rows.length;
      for (let i = 0; i < rows.length; i++) {
        if (!consumer.active || this.#open !== open) {
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
          this.#settler,
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
          this.#options.logger.warn(`sqlite transport: onMessage threw (it must not): ${String(error)}`);
        }
      }
    }
  }

  /** A row someone wrote with broken JSON: keep it as a dead letter rather than loop on it. */
  #deadLetterUnreadable(consumer: QosConsumer<string>, row: FetchedRow, error: unknown): void {
    const reason = `stored message is unreadable: ${String(error)}`;
    this.#options.logger.warn(`sqlite transport: message ${row.id} of queue '${row.queue}': ${reason}`);
    consumer.unacked--;
    this.#writes.deadLetterIds.push(row.id);
    this.#writes.deadLetterReasons.push(reason);
    this.#schedulePump();
  }

  /** The consumer went away mid-batch: the rest were leased but never handed out. */
  #giveBackUndelivered(
    open: OpenState,
    consumer: QosConsumer<string>,
    rows: readonly FetchedRow[],
    from: number,
  ): void {
    consumer.unacked -= rows.length - from;
    if (this.#open !== open) return; // stop() already gave every lease back
    for (let i = from; i < rows.length; i++) this.#writes.unleases.push(rows[i]!.id);
    this.#wakeQueue(rows[from]!.queue);
    this.#schedulePump();
  }

  #anyConsumerFindsReady(open: OpenState): boolean {
    let found = false;
    for (const consumer of this.#consumers) {
      if (!consumer.active || !consumer.mayHaveMore || consumer.freeSlots <= 0) continue;
      if (consumer.queues.some((q) => open.store.hasReady(q))) found = true;
      else consumer.mayHaveMore = false;
    }
    return found;
  }

  #wakeQueue(queue: string): void {
    for (const consumer of this.#consumers) {
      if (consumer.queues.includes(queue)) consumer.mayHaveMore = true;
    }
  }

  #wakeAll(): void {
    for (const consumer of this.#consumers) consumer.mayHaveMore = true;
    if (this.#consumers.length > 0) this.#schedulePump();
  }

  /**
   * Holds the process open and watches for other processes' commits while there are
   * consumers. The watcher syncs before the pump that consume() schedules reads the queues, so
   * a commit landing in between still wakes it.
   */
  #consumersChanged(): void {
    const count = this.#consumers.length;
    this.#keepAlive.update(count);
    const watcher = this.#open?.watcher;
    if (watcher === undefined) return;
    if (count === 0) {
      watcher.stop();
    } else if (!watcher.running) {
      watcher.sync();
      watcher.start();
    }
  }
}
