/**
 * Exchange routing for transports without a broker-side router (memory, sqlite): kombu's
 * `virtual/exchange.py` model — an exchange type decides which bound queues a routing key
 * reaches: direct (equal keys), topic (kombu's `*`/`#` word patterns, see `topic-pattern.ts`)
 * and fanout (every bound queue, whatever the key).
 */
import type { ExchangeType } from '../transport.js';
import { compileTopicPattern, topicPattern } from './topic-pattern.js';

export type { ExchangeType };

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
  return type === 'direct' || type === 'topic' || type === 'fanout';
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

/** Topic exchange: each binding key is kombu's regex; a queue is listed once however many match. */
class TopicRouter implements ExchangeRouter {
  readonly type = 'topic';
  readonly #bindings: { key: string; queue: string; regex: RegExp | null }[] = [];

  bind(routingKey: string, queue: string): boolean {
    if (this.#bindings.some((b) => b.key === routingKey && b.queue === queue)) return false;
    this.#bindings.push({ key: routingKey, queue, regex: compileTopicPattern(topicPattern(routingKey)) });
    return true;
  }

  route(routingKey: string): readonly string[] {
    const queues: string[] = [];
    for (const { queue, regex } of this.#bindings) {
      if (regex !== null && regex.test(routingKey) && !queues.includes(queue)) queues.push(queue);
    }
    return queues;
  }
}

/** Fanout exchange: every bound queue gets a copy; binding and routing keys do not matter. */
class FanoutRouter implements ExchangeRouter {
  readonly type = 'fanout';
  readonly #queues: string[] = [];

  bind(_routingKey: string, queue: string): boolean {
    if (this.#queues.includes(queue)) return false;
    this.#queues.push(queue);
    return true;
  }

  route(): readonly string[] {
    return this.#queues;
  }
}

const routerFactories: Record<ExchangeType, () => ExchangeRouter> = {
  direct: () => new DirectRouter(),
  topic: () => new TopicRouter(),
  fanout: () => new FanoutRouter(),
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
   * Declares `exchange` of `type` (no-op if it exists). An exchange keeps the type it was first
   * declared with, as a broker does; a later declaration with another type is ignored and
   * returns false (AMQP would close the channel — kombu's virtual transports keep the first).
   */
  declare(exchange: string, type: ExchangeType): boolean {
    const router = this.#exchanges.get(exchange);
    if (router !== undefined) return router.type === type;
    this.#exchanges.set(exchange, routerFactories[type]());
    return true;
  }

  /** The type `exchange` was declared with, if it was. */
  typeOf(exchange: string): ExchangeType | undefined {
    return this.#exchanges.get(exchange)?.type;
  }

  /**
   * Binds `queue` to `exchange` with `routingKey`, declaring the exchange (of `type`) if needed.
   * Returns false if the binding already existed.
   */
  bind(exchange: string, type: ExchangeType, routingKey: string, queue: string): boolean {
    this.declare(exchange, type);
    return this.#exchanges.get(exchange)!.bind(routingKey, queue);
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
