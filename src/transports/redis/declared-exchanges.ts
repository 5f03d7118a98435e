/**
 * What this process declared (kombu's in-process `state.exchanges` and the Redis channel's
 * `_fanout_queues`): each exchange's type — needed to publish, since a fanout exchange on Redis
 * is a PUB/SUB channel, not a binding lookup — and, for queues bound to a fanout exchange, the
 * exchange and binding key their consumers subscribe with. Nothing here is stored in Redis:
 * like kombu, a process must declare what it publishes to or consumes.
 */
import type { ExchangeType } from '../transport.js';

/** A queue bound to a fanout exchange: consuming it means subscribing to the exchange's channel. */
export interface FanoutBinding {
  exchange: string;
  /** The binding key, kombu's `#` already turned into the PSUBSCRIBE wildcard `*`. */
  bindingKey: string;
}

export class DeclaredExchanges {
  readonly #types = new Map<string, ExchangeType>();
  readonly #fanoutQueues = new Map<string, FanoutBinding>();

  /** Declares `exchange`; the first type declared stays, as on a broker. Returns the type in effect. */
  declare(exchange: string, type: ExchangeType): ExchangeType {
    const known = this.#types.get(exchange);
    if (known !== undefined) return known;
    this.#types.set(exchange, type);
    return type;
  }

  /** The declared type; undeclared exchanges are direct (kombu's `typeof` default). */
  typeOf(exchange: string): ExchangeType {
    return this.#types.get(exchange) ?? 'direct';
  }

  /** Records that `queue` is fed by the fanout `exchange` (kombu's `_queue_bind`). */
  bindFanout(queue: string, exchange: string, bindingKey: string): void {
    this.#fanoutQueues.set(queue, { exchange, bindingKey: bindingKey.replaceAll('#', '*') });
  }

  /** The fanout binding of `queue`, if it is a fanout queue. */
  fanoutBinding(queue: string): FanoutBinding | undefined {
    return this.#fanoutQueues.get(queue);
  }
}
