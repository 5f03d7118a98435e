/**
 * Declared queues, exchanges (direct, topic, fanout) and bindings, kept in the database so every
 * process routes alike, and cached in an {@link ExchangeTable}. The cache is reloaded when the file's
 * `bindings_version` moved, checked once per publish batch that uses a named exchange.
 */
import type Database from 'better-sqlite3';
import type { ExchangeType, QueueSpec } from '../transport.js';
import { ExchangeTable, isExchangeType } from '../virtual/exchange-table.js';

interface BindingRow {
  exchange: string;
  type: string;
  routing_key: string;
  queue: string;
}

export class BindingStore {
  readonly #insertQueue;
  readonly #insertExchange;
  readonly #insertBinding;
  readonly #bumpVersion;
  readonly #version;
  readonly #all;
  readonly #declareTx;
  /** Declarations already written by this connection (Celery's `maybe_declare` cache). */
  readonly #declared = new Set<string>();
  #table = new ExchangeTable();
  #loadedVersion = -1;

  constructor(db: Database.Database) {
    this.#insertQueue = db.prepare<[string]>(`INSERT OR IGNORE INTO celeriac_queues (name) VALUES (?)`);
    this.#insertExchange = db.prepare<[string, string]>(
      `INSERT OR IGNORE INTO celeriac_exchanges (name, type) VALUES (?, ?)`,
    );
    this.#insertBinding = db.prepare<[string, string, string]>(
      `INSERT OR IGNORE INTO celeriac_bindings (exchange, routing_key, queue) VALUES (?, ?, ?)`,
    );
    this.#bumpVersion = db.prepare<[]>(
      `INSERT INTO celeriac_transport_meta (key, value) VALUES ('bindings_version', 1)
       ON CONFLICT (key) DO UPDATE SET value = value + 1`,
    );
    this.#version = db
      .prepare<[], number>(`SELECT value FROM celeriac_transport_meta WHERE key = 'bindings_version'`)
      .pluck();
    this.#declareTx = db.transaction((queue: string, exchange: string, type: ExchangeType, routingKey: string) => {
      this.#insertQueue.run(queue);
      if (exchange === '') return;
      this.#insertExchange.run(exchange, type);
      if (this.#insertBinding.run(exchange, routingKey, queue).changes > 0) this.#bumpVersion.run();
    });
    this.#all = db.prepare<[], BindingRow>(
      `SELECT b.exchange, e.type, b.routing_key, b.queue
       FROM celeriac_bindings b JOIN celeriac_exchanges e ON e.name = b.exchange`,
    );
  }

  /** Records a queue and its binding (once per connection; later calls are free). */
  declare(spec: QueueSpec): void {
    const exchange = spec.exchange ?? '';
    const routingKey = spec.routingKey ?? spec.name;
    const key = `${spec.name}\0${exchange}\0${routingKey}`;
    if (this.#declared.has(key)) return;
    this.#declareTx.immediate(spec.name, exchange, spec.exchangeType ?? 'direct', routingKey);
    this.#declared.add(key);
  }

  /** Records an exchange (its first declared type stays), once per connection. */
  declareExchange(exchange: string, type: ExchangeType): void {
    const key = `\0${exchange}`;
    if (exchange === '' || this.#declared.has(key)) return;
    this.#insertExchange.run(exchange, type);
    this.#declared.add(key);
  }

  /** Reloads the routing cache if another process (or this one) changed the bindings. */
  refresh(): void {
    const version = this.#version.get() ?? 0;
    if (version === this.#loadedVersion) return;
    const table = new ExchangeTable();
    for (const row of this.#all.all()) {
      if (isExchangeType(row.type)) table.bind(row.exchange, row.type, row.routing_key, row.queue);
    }
    this.#table = table;
    this.#loadedVersion = version;
  }

  /** Queues bound to a named exchange with this key, from the cache (call `refresh` first). */
  route(exchange: string, routingKey: string): readonly string[] {
    return this.#table.route(exchange, routingKey);
  }
}
