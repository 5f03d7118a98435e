/**
 * Exchange routing for transports without a broker-side router (memory, sqlite, later Redis):
 * kombu's `virtual/exchange.py` model — an exchange type decides which bound queues a routing
 * key reaches. Only direct exchanges exist today; topic and fanout plug in as further
 * {@link ExchangeRouter}s (see `routerFactories`).
 */

/** Exchange types this table can route. `'topic'` and `'fanout'` come with a later issue. */
export type ExchangeType = 'direct';

/** How one exchange type matches a routing key against its bindings. */
export interface ExchangeRouter {
  readonly type: ExchangeType;
  /** Adds a binding; returns false if it already existed. */
  bind(routingKey: string, queue: string): boolean;
  /** The queues a message with this routing key goes to; empty when none is bound. */
  route(routingKey: string): readonly string[];
}

/** True for the exchange types this table can route (unknown ones come from newer versions). */
export function isExchangeType(type: string): type is ExchangeType {
  return type === 'direct';
}

const NO_QUEUES: readonly string[] = Object.freeze([]);

/** Direct exchange: a binding key must equal the routing key (kombu's `DirectExchange`). */
class DirectRouter implements ExchangeRouter {
  readonly type = 'direct';
  readonly #queuesByKey = new Map<string, string[]>();

  bind(routingKey: string, queue: string): boolean {
    const queues = this.#queuesByKey.get(routingKey);
    if (queues === undefined) {
      this.#queuesByKey.set(routingKey, [queue]);
      return true;
    }
    if (queues.includes(queue)) return false;
    queues.push(queue);
    return true;
  }

  route(routingKey: string): readonly string[] {
    return this.#queuesByKey.get(routingKey) ?? NO_QUEUES;
  }
}

// The seam for topic (`#`/`*` patterns) and fanout (every bound queue) exchanges.
const routerFactories: Record<ExchangeType, () => ExchangeRouter> = {
  direct: () => new DirectRouter(),
};

/**
 * Exchanges and their bindings. The anonymous exchange `''` is implicit: its routing key is
 * the queue name (AMQP's default exchange, which kombu emulates the same way). A named
 * exchange that was never declared routes nowhere.
 *
 * @example
 * const table = new ExchangeTable();
 * table.bind('tasks', 'direct', 'math', 'math-queue');
 * table.route('tasks', 'math'); // ['math-queue']
 * table.route('tasks', 'other'); // [] — the caller drops it and logs unroutableWarning(...)
 */
export class ExchangeTable {
  readonly #exchanges = new Map<string, ExchangeRouter>();

  /**
   * Binds `queue` to `exchange` with `routingKey`, declaring the exchange if needed.
   * Returns false if the binding already existed.
   */
  bind(exchange: string, type: ExchangeType, routingKey: string, queue: string): boolean {
    let router = this.#exchanges.get(exchange);
    if (router === undefined) {
      router = routerFactories[type]();
      this.#exchanges.set(exchange, router);
    }
    return router.bind(routingKey, queue);
  }

  /**
   * The queues a message published to `exchange` with `routingKey` reaches. For `''` that is
   * the queue named by the routing key (hot paths should special-case `''` and skip the call,
   * which allocates); an empty result means the message must be dropped.
   */
  route(exchange: string, routingKey: string): readonly string[] {
    if (exchange === '') return [routingKey];
    return this.#exchanges.get(exchange)?.route(routingKey) ?? NO_QUEUES;
  }
}

/** The warning a transport logs when it drops a message no queue is bound to receive. */
export function unroutableWarning(exchange: string, routingKey: string): string {
  return (
    `message dropped: no queue is bound to exchange '${exchange}' with routing key ` +
    `'${routingKey}' (declare the queue with this exchange and routing key)`
  );
}
