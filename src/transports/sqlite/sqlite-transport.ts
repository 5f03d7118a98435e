/**
 * `sqlite://` — the embedded default broker: one SQLite file (better-sqlite3, WAL), durable and
 * shared safely by every process on the host that opens it. It mirrors kombu's Redis transport
 * semantics (ack emulation, visibility timeout, priorities 0..9 with 0 first, binding table) on
 * rows instead of lists:
 *
 * - Taking a message *leases* its row to this transport (`UPDATE … RETURNING` inside
 *   `BEGIN IMMEDIATE`, so two processes never lease one row); ack deletes it.
 * - While this transport lives it renews the leases it holds (`heartbeat.ts`), so a message
 *   held past the visibility timeout — an ETA task waiting in the worker, a long acks_late
 *   task — is never handed to another consumer. A lease ends when the owning process is gone
 *   (at once, see `lease-reaper.ts`), when its owner stopped renewing it for the visibility
 *   timeout (kombu's `visibility_timeout`, 1 hour: a frozen or unreachable process), or at
 *   `stop()` (warm shutdown gives unacked messages back). Given-back messages come again with
 *   `redelivered: true`.
 * - Writes are batched: every publish and ack of one event-loop turn, plus the fetches that
 *   follow, commit in ONE transaction; each caller's promise settles when it committed.
 * - Other processes' commits are noticed, while this transport has consumers, by the shared
 *   `SqliteChangeWatcher` (file watch on the `-wal`, trailing re-check, slow poll); local
 *   publishes wake local consumers directly.
 * - SQLite failures reach callers as `CeleriacError('TRANSPORT_ERROR')` with the driver's error
 *   as `cause`; a failed batch commit fails every publish/ack/reject that joined it.
 *
 * This class is the lifecycle and the Transport API; the turn's batching, commit and delivery
 * are `sqlite-pump.ts`, the transaction itself `turn-transaction.ts`.
 */
import { dirname, resolve } from 'node:path';
import { SqliteChangeWatcher } from '../../connections/sqlite-change-watcher.js';
import type { SqliteDatabase } from '../../connections/sqlite-database.js';
import { reasonOf, sqliteFailure } from '../../connections/sqlite-failure.js';
import { systemClock } from '../../internal/clock.js';
import { parseSqliteUrl } from '../../internal/sqlite-url.js';
import { CeleriacError } from '../../errors.js';
import type { TransportMessage } from '../../protocol/transport-message.js';
import type {
  ConsumeOptions,
  DeadLetter,
  ExchangeType,
  PublishRoute,
  QueueSpec,
  Transport,
  TransportCapabilities,
} from '../transport.js';
import { transportClosedError } from '../virtual/closed-error.js';
import { checkConsumeOptions } from '../virtual/consume-options-check.js';
import { ConsumerKeepAlive } from '../virtual/consumer-keep-alive.js';
import { processWarningLogger } from '../virtual/process-warning-logger.js';
import { QosConsumer } from '../virtual/qos-consumer.js';
import { BindingStore } from './binding-store.js';
import { RateTokenStore } from './rate-token-store.js';
import { ConsumerRegistry } from './consumer-registry.js';
import { Heartbeat } from './heartbeat.js';
import { LeaseReaper } from './lease-reaper.js';
import { toMessageRecord } from './message-record.js';
import { MessageStore, type MessageRecord } from './message-store.js';
import { RevocationTable } from './revocation-table.js';
import { openBrokerDatabase } from './schema.js';
import { SqlitePump } from './sqlite-pump.js';
import { sqliteTransportDefaults, type SqliteTransportOptions } from './sqlite-transport-options.js';
import { TurnTransaction } from './turn-transaction.js';

export { parseSqliteUrl };
export { sqliteTransportDefaults, type SqliteTransportOptions } from './sqlite-transport-options.js';

/** What exists only between start() and stop(). */
interface OpenState {
  db: SqliteDatabase;
  store: MessageStore;
  bindings: BindingStore;
  registry: ConsumerRegistry;
  heartbeat: Heartbeat;
  reaper: LeaseReaper;
  /** Runs while this transport has consumers: nobody else needs other processes' commits. */
  watcher: SqliteChangeWatcher;
  turn: TurnTransaction;
  releaseOwn: () => void;
  rateTokens: RateTokenStore;
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
    fanout: true,
    nativeDelay: false,
  };

  /** The database file this transport opens (absolute, or `:memory:`). */
  readonly path: string;
  /** The timings in effect (options over {@link sqliteTransportDefaults}). */
  readonly settings: { readonly [K in keyof typeof sqliteTransportDefaults]: number };
  readonly #options: Required<Omit<SqliteTransportOptions, 'url' | 'path'>>;
  #open: OpenState | undefined;
  #consumers: QosConsumer<string>[] = [];
  readonly #pump: SqlitePump;
  readonly #keepAlive = new ConsumerKeepAlive();
  /** Revoked task ids in the `celeriac_revoked` table. */
  readonly revocations: RevocationTable;

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
    this.#pump = new SqlitePump({
      clock: this.#options.clock,
      logger: this.#options.logger,
      pollIntervalMs: this.#options.pollIntervalMs,
      open: () => this.#open,
      consumers: () => this.#consumers,
    });
    this.revocations = new RevocationTable(
      (action) => this.#started(action).db,
      () => this.#options.clock.now(),
    );
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
        consumerTimeoutMs: this.#options.consumerTimeoutMs,
      });
      const { visibilityTimeoutMs, heartbeatIntervalMs } = this.#options;
      const heartbeat = new Heartbeat(db, registry, store, { clock, logger, heartbeatIntervalMs, visibilityTimeoutMs });
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
        onReleased: () => this.#pump.wakeAll(),
      });
      const open: OpenState = {
        db,
        store,
        bindings,
        registry,
        heartbeat,
        reaper,
        watcher: new SqliteChangeWatcher({
          path: this.path,
          pollIntervalMs: this.#options.pollIntervalMs,
          dataVersion: () => dataVersion.get() ?? 0,
          onChange: () => this.#pump.wakeAll(),
          onWatchError: (error) =>
            logger.warn(
              `sqlite transport: file watch on ${dirname(this.path)} failed (${reasonOf(error)}); ` +
                `polling every ${this.#options.pollIntervalMs} ms instead`,
            ),
        }),
        turn: new TurnTransaction(db, { store, bindings, registry, reaper, clock, logger, visibilityTimeoutMs }),
        releaseOwn: () => releaseTx.immediate(),
        rateTokens: new RateTokenStore(db),
      };
      registry.register();
      this.#open = open;
      heartbeat.start();
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
    this.#pump.stop();
    this.#pump.flushWrites();
    open.heartbeat.stop();
    try {
      open.releaseOwn();
    } catch (error) {
      // The leases still end: another process's reaper sees this consumer's heartbeat stop
      // (or its pid gone), and the visibility timeout is the last resort.
      this.#options.logger.warn(`sqlite transport: could not give back unacked messages: ${String(error)}`);
    }
    this.#open = undefined;
    this.#pump.endEpoch();
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

  /** @throws CeleriacError `TRANSPORT_ERROR` when the declaration cannot be written. */
  async declareExchange(exchange: string, type: ExchangeType): Promise<void> {
    const open = this.#started('declare an exchange');
    try {
      open.bindings.declareExchange(exchange, type);
    } catch (error) {
      throw sqliteFailure('TRANSPORT_ERROR', `sqlite transport: declaring exchange '${exchange}'`, error);
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
    return this.#pump.publish(record);
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
    this.#pump.schedule();
  }

  /** @throws CeleriacError `TRANSPORT_ERROR` when the database fails. */
  async purge(queue: string): Promise<number> {
    const open = this.#started('purge');
    this.#pump.flushWrites();
    try {
      return open.store.purge(queue);
    } catch (error) {
      throw sqliteFailure('TRANSPORT_ERROR', `sqlite transport: purge of queue '${queue}'`, error);
    }
  }

  /** @throws CeleriacError `TRANSPORT_ERROR` when the database fails. */
  async size(queue: string): Promise<number> {
    const open = this.#started('size a queue');
    this.#pump.flushWrites();
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
    this.#pump.flushWrites();
    try {
      open.store.insertDeadLetter(queue, reason, this.#options.clock.now(), record);
    } catch (error) {
      throw sqliteFailure('TRANSPORT_ERROR', `sqlite transport: dead-lettering to '${queue}'`, error);
    }
  }

  /** @throws CeleriacError `TRANSPORT_ERROR` when the database fails. */
  async listDeadLetters(options: { limit?: number } = {}): Promise<DeadLetter[]> {
    const open = this.#started('list dead letters');
    this.#pump.flushWrites();
    try {
      return open.store.listDeadLetters(options.limit ?? -1);
    } catch (error) {
      throw sqliteFailure('TRANSPORT_ERROR', 'sqlite transport: listing dead letters', error);
    }
  }

  /**
   * One token for every worker process sharing this file (`celeriac_rate_tokens`).
   * @throws CeleriacError `TRANSPORT_ERROR` when the database fails.
   */
  async takeRateToken(key: string, intervalMs: number): Promise<number> {
    const open = this.#started('take a rate-limit token');
    try {
      return open.rateTokens.take(key, intervalMs, this.#options.clock.now());
    } catch (error) {
      throw sqliteFailure('TRANSPORT_ERROR', `sqlite transport: rate-limit token '${key}'`, error);
    }
  }

  /** @throws CeleriacError `TRANSPORT_ERROR` when the database fails. */
  async requeueDeadLetters(ids?: string[]): Promise<number> {
    const open = this.#started('requeue dead letters');
    this.#pump.flushWrites();
    const numericIds = ids?.map(Number).filter(Number.isSafeInteger);
    let count: number;
    try {
      count = open.db.transaction(() => open.store.requeueDeadLetters(numericIds)).immediate();
    } catch (error) {
      throw sqliteFailure('TRANSPORT_ERROR', 'sqlite transport: requeueing dead letters', error);
    }
    if (count > 0) this.#pump.wakeAll();
    return count;
  }

  #started(operation: string): OpenState {
    if (this.#open === undefined) throw transportClosedError(operation);
    return this.#open;
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
