/**
 * Fanout exchanges on Redis, as kombu does them (celery-protocol.md §3.4): no lists, just
 * `PUBLISH` of the kombu envelope on the channel `<global_keyprefix><fanout prefix><exchange>`
 * plus `/<routing key>` when `fanout_patterns` is on, and `PSUBSCRIBE` of the same names with
 * `#` turned into `*`. The fanout prefix is `/{db}.` by default (`/5.celeryev/task.succeeded`,
 * `/5.celery.pidbox`). Celery's events (`celeryev`) and remote control (`celery.pidbox`) use them;
 * a subscriber that is not connected misses what is published meanwhile, as in kombu.
 */
import { randomUUID } from 'node:crypto';
import { dropRedisConnection, type RedisClient } from '../../connections/redis-connection.js';
import { decodeEnvelope, encodeEnvelope } from '../../protocol/redis-envelope.js';
import type { TransportMessage } from '../../protocol/transport-message.js';
import type { TransportLogger } from '../transport.js';

/** One message received from a fanout exchange. */
export interface FanoutDelivery {
  message: TransportMessage;
  exchange: string;
  routingKey: string;
}

/** What {@link RedisFanout.subscribe} listens to. */
export interface FanoutSubscription {
  exchange: string;
  /** Binding keys (kombu patterns: `#` matches anything); `['']` or none = every message. */
  bindingKeys?: readonly string[];
  /** Aborting unsubscribes. */
  signal: AbortSignal;
  /** Must not throw. */
  onMessage(delivery: FanoutDelivery): void;
}

export interface RedisFanoutOptions {
  /** kombu `global_keyprefix`. */
  globalKeyprefix: string;
  /** kombu `fanout_prefix`: true → `/{db}.`, a string replaces it, false → none. */
  fanoutPrefix: boolean | string;
  /** kombu `fanout_patterns`. */
  fanoutPatterns: boolean;
  /** The database number of the connection (for `/{db}.`). */
  db: number;
  logger: TransportLogger;
  /** Opens the dedicated subscriber connection (first subscription only). */
  openSubscriber: () => RedisClient;
}

export class RedisFanout {
  readonly #prefix: string;
  readonly #patterns = new Map<string, Set<FanoutSubscription>>();
  #subscriber: RedisClient | undefined;

  constructor(private readonly options: RedisFanoutOptions) {
    const fanout = options.fanoutPrefix === true ? `/${options.db}.` : options.fanoutPrefix === false ? '' : options.fanoutPrefix;
    this.#prefix = options.globalKeyprefix + fanout;
  }

  /** kombu's `_get_publish_topic`: the channel a message to (exchange, routing key) is published on. */
  channel(exchange: string, routingKey: string): string {
    return routingKey !== '' && this.options.fanoutPatterns ? `${this.#prefix}${exchange}/${routingKey}` : `${this.#prefix}${exchange}`;
  }

  /** `PUBLISH` of the envelope; resolves with the number of subscribers that received it. */
  async publish(client: RedisClient, exchange: string, routingKey: string, message: TransportMessage): Promise<number> {
    const text = encodeEnvelope(message, { exchange, routingKey }, randomUUID());
    return client.publish(this.channel(exchange, routingKey), text);
  }

  /** Subscribes (`PSUBSCRIBE`); resolves once Redis confirmed. */
  async subscribe(subscription: FanoutSubscription): Promise<void> {
    if (subscription.signal.aborted) return;
    const keys = subscription.bindingKeys === undefined || subscription.bindingKeys.length === 0 ? [''] : subscription.bindingKeys;
    const patterns = keys.map((key) => this.channel(subscription.exchange, key.replaceAll('#', '*')));
    const subscriber = await this.#connect();
    const added: string[] = [];
    for (const pattern of patterns) {
      let set = this.#patterns.get(pattern);
      if (set === undefined) {
        set = new Set();
        this.#patterns.set(pattern, set);
        added.push(pattern);
      }
      set.add(subscription);
    }
    subscription.signal.addEventListener(
      'abort',
      () => {
        const gone: string[] = [];
        for (const pattern of patterns) {
          const set = this.#patterns.get(pattern);
          set?.delete(subscription);
          if (set?.size === 0) {
            this.#patterns.delete(pattern);
            gone.push(pattern);
          }
        }
        if (gone.length > 0) void subscriber.punsubscribe(...gone).catch(() => undefined);
      },
      { once: true },
    );
    if (added.length > 0) await subscriber.psubscribe(...added);
  }

  /** Closes the subscriber connection. */
  close(): void {
    this.#patterns.clear();
    if (this.#subscriber !== undefined) dropRedisConnection(this.#subscriber);
    this.#subscriber = undefined;
  }

  async #connect(): Promise<RedisClient> {
    if (this.#subscriber !== undefined) return this.#subscriber;
    const subscriber = this.options.openSubscriber();
    this.#subscriber = subscriber;
    subscriber.on('pmessage', (pattern: string, channel: string, data: string) => this.#receive(pattern, channel, data));
    subscriber.on('ready', () => {
      // After a reconnect (autoResubscribe is off for this role): subscribe again.
      const patterns = [...this.#patterns.keys()];
      if (patterns.length > 0) void subscriber.psubscribe(...patterns).catch(() => undefined);
    });
    await subscriber.connect();
    return subscriber;
  }

  #receive(pattern: string, channel: string, data: string): void {
    const subscriptions = this.#patterns.get(pattern);
    if (subscriptions === undefined || subscriptions.size === 0) return;
    let decoded;
    try {
      decoded = decodeEnvelope(data);
    } catch (error) {
      this.options.logger.warn(`redis transport: cannot decode a message on channel '${channel}': ${String(error)}`);
      return;
    }
    // kombu's `_receive_one`: drop the prefix, the exchange is what comes before '/'.
    let name = channel.slice(this.options.globalKeyprefix.length);
    if (name.startsWith('/')) name = name.slice(name.indexOf('.') + 1);
    const slash = name.indexOf('/');
    const exchange = slash === -1 ? name : name.slice(0, slash);
    const delivery: FanoutDelivery = { message: decoded.message, exchange, routingKey: decoded.deliveryInfo.routingKey };
    for (const subscription of subscriptions) {
      try {
        subscription.onMessage(delivery);
      } catch (error) {
        this.options.logger.warn(`redis transport: a fanout onMessage threw (it must not): ${String(error)}`);
      }
    }
  }
}
