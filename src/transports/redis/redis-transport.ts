/**
 * `redis://` (and `rediss://`, `redis+socket://`, `unix://`, `sentinel://`) — kombu's Redis
 * transport, key for key, so Python Celery workers and clients share queues with celeriac
 * (celery-protocol.md §3; the whole layout is in docs/redis.md):
 *
 * - publish: `LPUSH <queue>[<sep><step>] <kombu envelope>` (priority steps [0, 3, 6, 9], lower
 *   served first); named exchanges resolve through the `_kombu.binding.<exchange>` sets, which
 *   `declareQueue` writes as kombu does;
 * - consume: `BRPOP` over kombu's key order, but several messages per round trip when they are
 *   ready, each held atomically with its pop (`pop-and-hold.lua`, see `redis-consumer.ts`);
 * - held messages live in kombu's `unacked` hash and `unacked_index` zset with kombu's value shape
 *   `[envelope, exchange, routing_key]`, so a Python worker restores celeriac's lost messages and
 *   celeriac restores a Python worker's (`unacked-restorer.ts`, under kombu's `unacked_mutex`);
 * - acks are batched: one pipeline per event-loop turn for every publish, ack and reject;
 * - topic exchanges: kombu's regex in the binding member, matched on publish (`binding-table.ts`);
 * - fanout exchanges (events, remote control) are kombu's PUB/SUB channels (`redis-fanout.ts`):
 *   publishing to one is a `PUBLISH`, consuming a queue bound to one is a `PSUBSCRIBE`
 *   (`fanout-consumer.ts`), so the process must declare them (`declared-exchanges.ts`), as in kombu.
 *
 * What celeriac adds, and why (all under celeriac.* names Python never reads):
 *
 * - Renewal (`visibility-renewer.ts`): a consumer moves the `unacked_index` score of everything
 *   it holds to "now" several times per visibility timeout. kombu's restore only takes messages
 *   scored older than the timeout, so an ETA task held for hours by a live celeriac worker is
 *   never restored — by Python or celeriac — and never runs twice (kombu#337), while a dead
 *   worker's messages still come back after the timeout.
 * - Dead-consumer restore: `celeriac.unacked_owner` (tag → consumer id), `celeriac.consumers` (id
 *   → last renewal) and the liveness key `celeriac.consumer.<id>` (expires after `consumerTtlMs`
 *   without renewal) let any celeriac consumer restore a crashed one's messages at once, on its
 *   next restore pass, instead of after the visibility timeout. Messages with no owner record
 *   (held by Python workers) are left to the visibility timeout.
 * - A requeued message (`reject({ requeue: true })`) goes back to the consuming end of its list
 *   (RPUSH, like kombu's restore), so it is served before newer messages of its priority, as the
 *   Transport contract asks — kombu's own reject pushes it to the back.
 * - Dead letters: the list `celeriac.dead_letters` (`dead-letter-store.ts`).
 * - The unacked record of a message celeriac holds names the list it came from as the anonymous
 *   exchange's routing key (`["<envelope>", "", "celery\x06\x163"]`), so a restore — kombu's or
 *   celeriac's — puts it back in exactly that list, its priority kept. kombu records the
 *   message's exchange and routing key and restores into the base list of every queue bound.
 *
 * Connections: one for commands (publishes fail at once while it is down, with
 * `TRANSPORT_ERROR`, so the producer can retry), and one blocking connection per `consume()`.
 * Both reconnect with backoff; a consumer resumes after a reconnect, and acks wait for it.
 *
 * This class is the lifecycle and the Transport API; the work is in: `redis-session.ts` (the
 * command connection and what uses it between start and stop), `redis-publisher.ts` (publish),
 * `redis-consumer.ts` (the fetch loop of one consume), `held-deliveries.ts` (settling what was
 * fetched), `write-batcher.ts` (the turn's pipeline), `restore-loop.ts`, `visibility-renewer.ts`.
 */
import { randomUUID } from 'node:crypto';
import { dropRedisConnection, parseRedisUrl, redisClientOptions, type RedisUrl } from '../../connections/redis-connection.js';
import { redisFailure, redisReason } from '../../connections/redis-failure.js';
import { CeleriacError } from '../../errors.js';
import { systemClock, type Clock } from '../../internal/clock.js';
import { encodeEnvelope } from '../../protocol/redis-envelope.js';
import type { TransportMessage } from '../../protocol/transport-message.js';
import type {
  ConsumeOptions,
  DeadLetter,
  ExchangeType,
  PublishOptions,
  PublishRoute,
  QueueSpec,
  Transport,
  TransportCapabilities,
  TransportLogger,
} from '../transport.js';
import { transportClosedError } from '../virtual/closed-error.js';
import { checkConsumeOptions } from '../virtual/consume-options-check.js';
import { ConsumerKeepAlive } from '../virtual/consumer-keep-alive.js';
import { processWarningLogger } from '../virtual/process-warning-logger.js';
import { QosConsumer } from '../virtual/qos-consumer.js';
import { topicPattern } from '../virtual/topic-pattern.js';
import { BindingTable } from './binding-table.js';
import { deadLetterRecord, DeadLetterStore } from './dead-letter-store.js';
import { DeclaredExchanges, type FanoutBinding } from './declared-exchanges.js';
import { consumeFanoutQueues } from './fanout-consumer.js';
import { recoverFetch } from './fetch-recovery.js';
import { HeldDeliveries } from './held-deliveries.js';
import { KeyLayout } from './key-layout.js';
import { FetchScores } from './lost-fetches.js';
import { countQueueLists, purgeQueueLists } from './queue-lists.js';
import { RedisConsumer, type RedisConsumerHost } from './redis-consumer.js';
import type { FanoutSubscription } from './redis-fanout.js';
import { RedisPublisher } from './redis-publisher.js';
import { defineTransportScripts, takeRateTokenScript } from './redis-scripts.js';
import { openRedisClient, RedisSession } from './redis-session.js';
import {
  redisTransportDefaults,
  resolveRedisTransportSettings,
  type RedisTransportOptions,
  type RedisTransportSettings,
} from './redis-transport-options.js';
import { RevocationSet } from './revocation-set.js';
import type { RestoreOutcome } from './unacked-restorer.js';

export { redisTransportDefaults, type RedisTransportOptions } from './redis-transport-options.js';
export type { FanoutDelivery, FanoutSubscription } from './redis-fanout.js';

/**
 * The Redis transport. See the module comment for the model and docs/redis.md for the keys.
 *
 * @example
 * const transport = new RedisTransport({ url: 'redis://localhost:6379/0' });
 * await transport.start();
 * await transport.publish(message, { exchange: '', routingKey: 'celery' });
 */
export class RedisTransport implements Transport {
  readonly capabilities: TransportCapabilities = {
    durable: true,
    crossProcess: true,
    priority: true,
    fanout: true,
    nativeDelay: false,
  };

  /** The options in effect. */
  readonly settings: Readonly<RedisTransportSettings>;
  /** Where it connects (password masked in `display`). */
  readonly target: RedisUrl;
  /** This transport's id in `celeriac.unacked_owner` and `celeriac.consumers`. */
  readonly consumerId = randomUUID();
  readonly layout: KeyLayout;
  readonly #clock: Clock;
  readonly #logger: TransportLogger;
  readonly #bindings: BindingTable;
  readonly #exchanges = new DeclaredExchanges();
  readonly #deadLetters: DeadLetterStore;
  readonly #consumerHost: RedisConsumerHost;
  readonly #publisher: RedisPublisher;
  readonly #keepAlive = new ConsumerKeepAlive();
  /** Revoked task ids in `celeriac.revoked`. */
  readonly revocations: RevocationSet;
  #open: RedisSession | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #consumers: RedisConsumer[] = [];
  readonly #held: HeldDeliveries;

  /**
   * @throws CeleriacError `BAD_URL` for a URL that cannot be parsed; `CONFIG_INVALID` for bad
   *   options (a sentinel URL without `masterName`, a non-positive duration).
   */
  constructor(options: RedisTransportOptions) {
    this.target = parseRedisUrl(options.url);
    this.settings = Object.freeze(resolveRedisTransportSettings(options));
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? processWarningLogger;
    const s = this.settings;
    this.layout = new KeyLayout({ globalKeyprefix: s.globalKeyprefix, prioritySteps: s.prioritySteps, sep: s.sep });
    this.#bindings = new BindingTable(this.layout, redisTransportDefaults.bindingCacheMs, () => this.#clock.now());
    this.#deadLetters = new DeadLetterStore(this.layout);
    this.#publisher = new RedisPublisher(this.layout, this.#bindings, this.#logger, this.target.display, s.confirmPublish);
    this.#held = new HeldDeliveries({
      layout: this.layout,
      clock: this.#clock,
      logger: this.#logger,
      selfId: this.consumerId,
      open: () => this.#open,
    });
    const order = s.queueOrderStrategy;
    const fetchScores = new FetchScores();
    this.#consumerHost = {
      layout: this.layout,
      selfId: this.consumerId,
      fetchBatchMax: s.fetchBatchMax,
      brpopTimeoutMs: s.brpopTimeoutMs,
      rotate: order === 'round_robin',
      logger: this.#logger,
      fetchScore: () => fetchScores.next(this.#clock.now()),
      deliver: (consumer, popped) => this.#held.deliver(consumer, popped),
      putBack: (listKey, payload) => void this.#open?.writes.putBack(listKey, payload),
      recover: (consumer, error) => recoverFetch(consumer, error, this.#clock, this.#logger),
    };
    this.revocations = new RevocationSet(this.layout.revoked, (action) => this.#started(action).client, () => this.#clock.now());
    redisClientOptions(this.target, { masterName: s.masterName }); // CONFIG_INVALID for a sentinel URL without masterName
  }

  /**
   * Connects the command connection. Idempotent.
   * @throws CeleriacError `TRANSPORT_ERROR` when Redis cannot be reached (cause: ioredis's error).
   */
  async start(): Promise<void> {
    await this.#stopping;
    if (this.#open !== undefined) return;
    this.#starting ??= this.#connect().finally(() => (this.#starting = undefined));
    return this.#starting;
  }

  async #connect(): Promise<void> {
    this.#open = await RedisSession.connect({
      target: this.target,
      settings: this.settings,
      layout: this.layout,
      bindings: this.#bindings,
      clock: this.#clock,
      logger: this.#logger,
      selfId: this.consumerId,
      heldTags: () => this.#held.tags(),
      hasConsumers: () => this.#consumers.length > 0,
    });
  }

  /**
   * Ends every consumer, sends pending publishes and acks, gives back the messages this
   * transport holds (kombu's `restore_unacked_once` at warm shutdown: redelivered, at the front
   * of their lists), unregisters and closes. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#close().finally(() => (this.#stopping = undefined));
    return this.#stopping;
  }

  async #close(): Promise<void> {
    await this.#starting?.catch(() => undefined);
    const open = this.#open;
    if (open === undefined) return;
    const restoreStopped = open.restoreLoop.stop();
    const consumers = this.#consumers;
    this.#consumers = [];
    this.#keepAlive.update(0);
    // A Redis that hangs (or a network that drops packets) would hold every step below up for
    // the socket timeout or longer: past the deadline the connections are dropped, which fails
    // whatever still waits for a reply.
    const cancelCutOff = this.#clock.setTimer(() => {
      this.#logger.warn(
        `redis transport: ${this.target.display} did not answer within ${this.settings.stopTimeoutMs} ms at stop; closing the connections`,
      );
      for (const consumer of consumers) dropRedisConnection(consumer.blocking);
      dropRedisConnection(open.client);
    }, this.settings.stopTimeoutMs);
    // Unconfirmed publishes first: they may still need the connection for a re-send.
    await open.outbox.drained(this.settings.stopTimeoutMs);
    const held = this.#held.size;
    try {
      await Promise.all(consumers.map((c) => this.#stopConsumer(c)));
      await restoreStopped;
      await this.#held.deferredSettled();
      await open.writes.flush();
      await this.#held.giveBackAll(open.client);
      await open.renewer.unregister(open.client);
    } catch (error) {
      open.renewer.stop();
      this.#logger.warn(
        `redis transport: could not give back ${held} held message(s) at stop (${redisReason(error)}); ` +
          'other celeriac consumers restore them once this one is seen dead, Python workers after the visibility timeout',
      );
    }
    open.writes.abandon(new CeleriacError('TRANSPORT_ERROR', `redis transport: stopped while disconnected from ${this.target.display}`));
    open.markClosed();
    this.#open = undefined;
    await open.closeConnections();
    cancelCutOff();
  }

  /**
   * Records the queue's binding in `_kombu.binding.<exchange>` (kombu's `queue_bind`: a topic
   * binding carries kombu's regex), so Python producers publishing to that exchange reach it.
   * Redis lists need no declaration; a queue bound to a fanout exchange is remembered in-process,
   * so consuming it subscribes to the exchange's channel.
   * @throws CeleriacError `TRANSPORT_ERROR` when Redis fails.
   */
  async declareQueue(spec: QueueSpec): Promise<void> {
    const open = this.#started('declare a queue');
    const exchange = spec.exchange;
    if (exchange === undefined || exchange === '') return;
    const type = this.#exchanges.declare(exchange, spec.exchangeType ?? 'direct');
    const routingKey = spec.routingKey ?? spec.name;
    if (type === 'fanout') this.#exchanges.bindFanout(spec.name, exchange, routingKey);
    try {
      await this.#bindings.bind(open.client, exchange, routingKey, spec.name, type === 'topic' ? topicPattern(routingKey) : '');
    } catch (error) {
      throw redisFailure('TRANSPORT_ERROR', `redis transport: declaring queue '${spec.name}'`, error);
    }
  }

  /** Remembers the exchange's type in-process (kombu's `exchange_declare` writes nothing to Redis). */
  async declareExchange(exchange: string, type: ExchangeType): Promise<void> {
    this.#started('declare an exchange');
    if (exchange !== '') this.#exchanges.declare(exchange, type);
  }

  /**
   * `LPUSH` of kombu's envelope (a fresh UUID delivery tag) to the queue's list for the message
   * priority; joins this turn's pipeline and resolves when Redis stored it — or, with
   * `confirmPublish` false, once it is written (see {@link RedisTransportOptions.confirmPublish}).
   *
   * @throws CeleriacError `TRANSPORT_ERROR` at once while the connection is down (and when Redis
   *   refuses); `ENCODE_ERROR` for a header that cannot be JSON-encoded.
   */
  publish(message: TransportMessage, route: PublishRoute, options?: PublishOptions): Promise<void> {
    const open = this.#open;
    if (open === undefined || this.#stopping !== undefined) return Promise.reject(transportClosedError('publish'));
    if (route.exchange !== '' && this.#exchanges.typeOf(route.exchange) === 'fanout') {
      return this.publishFanout(route.exchange, route.routingKey, message).then(() => undefined);
    }
    return this.#publisher.publish(open, message, route, options);
  }

  /**
   * Starts a consumer: `BRPOP` (in batches) over the queues' lists, and a subscription for each
   * queue bound to a fanout exchange (see `fanout-consumer.ts`). Resolves once both run.
   */
  async consume(options: ConsumeOptions): Promise<void> {
    const open = this.#started('consume');
    checkConsumeOptions(options);
    if (options.signal.aborted) return;
    const fanoutQueues: { queue: string; binding: FanoutBinding }[] = [];
    const listQueues: string[] = [];
    for (const queue of options.queues) {
      const binding = this.#exchanges.fanoutBinding(queue);
      if (binding === undefined) listQueues.push(queue);
      else fanoutQueues.push({ queue, binding });
    }
    if (fanoutQueues.length > 0) {
      try {
        await consumeFanoutQueues(open.fanout, fanoutQueues, options.signal, (delivery) => options.onMessage(delivery));
      } catch (error) {
        throw redisFailure('TRANSPORT_ERROR', 'redis transport: subscribing a fanout queue', error);
      }
    }
    if (listQueues.length > 0) await this.#consumeLists(open, { ...options, queues: listQueues });
  }

  async #consumeLists(open: RedisSession, options: ConsumeOptions): Promise<void> {
    try {
      await open.renewer.register(open.client);
    } catch (error) {
      throw redisFailure('TRANSPORT_ERROR', 'redis transport: registering the consumer', error);
    }
    const s = this.settings;
    const queues = s.queueOrderStrategy === 'sorted' ? [...options.queues].sort() : [...options.queues];
    const holder: { consumer?: RedisConsumer } = {};
    const qos = new QosConsumer<string>(queues, options.prefetch, (delivery) => options.onMessage(delivery), options.signal, () => {
      if (holder.consumer !== undefined) void this.#stopConsumer(holder.consumer);
    });
    qos.deferDecode = options.deferDecode === true;
    const consumer = new RedisConsumer(this.#consumerHost, qos, openRedisClient(this.target, this.settings, 'blocking'));
    holder.consumer = consumer;
    defineTransportScripts(consumer.blocking);
    try {
      await consumer.start();
    } catch (error) {
      consumer.blocking.disconnect();
      throw redisFailure('TRANSPORT_ERROR', `redis transport: connecting a consumer to ${this.target.display}`, error);
    }
    if (this.#open !== open || options.signal.aborted) {
      await consumer.stop(this.#open?.client);
      return;
    }
    options.signal.addEventListener('abort', qos.onAbort, { once: true });
    this.#consumers = [...this.#consumers, consumer];
    this.#keepAlive.update(this.#consumers.length);
    open.restoreLoop.start();
  }

  /**
   * Runs one restore pass now (kombu's `QoS.restore_visible` plus celeriac's dead-consumer
   * restore; see `unacked-restorer.ts`). Consuming transports run it by themselves.
   * @throws CeleriacError `TRANSPORT_ERROR` when Redis fails.
   */
  async restoreUnacked(): Promise<RestoreOutcome> {
    const open = this.#started('restore unacked messages');
    try {
      return await open.restorer.run(open.client);
    } catch (error) {
      throw redisFailure('TRANSPORT_ERROR', 'redis transport: restoring unacked messages', error);
    }
  }

  /**
   * Publishes to a fanout exchange: kombu's `PUBLISH` on `/{db}.<exchange>/<routing key>` (see
   * `redis-fanout.ts`). Only subscribers connected now receive it. Resolves with their number.
   * @throws CeleriacError `TRANSPORT_ERROR` at once while disconnected.
   */
  async publishFanout(exchange: string, routingKey: string, message: TransportMessage): Promise<number> {
    const open = this.#started('publish');
    try {
      return await open.fanout.publish(open.client, exchange, routingKey, message);
    } catch (error) {
      throw redisFailure('TRANSPORT_ERROR', `redis transport: publish to fanout exchange '${exchange}'`, error);
    }
  }

  /**
   * Receives what is published to a fanout exchange with a routing key matching one of the
   * binding keys (kombu patterns, `#` = anything; none = all), until `signal` aborts. Resolves
   * once subscribed. A dedicated connection, resubscribed after reconnects.
   * @throws CeleriacError `TRANSPORT_ERROR` when the subscription fails.
   */
  async subscribeFanout(subscription: FanoutSubscription): Promise<void> {
    const open = this.#started('subscribe');
    try {
      await open.fanout.subscribe(subscription);
    } catch (error) {
      throw redisFailure('TRANSPORT_ERROR', `redis transport: subscribing to fanout exchange '${subscription.exchange}'`, error);
    }
  }

  /** Removes every ready message of the queue, in all its priority lists (atomically). */
  async purge(queue: string): Promise<number> {
    const open = this.#started('purge');
    void open.writes.flush();
    try {
      return await purgeQueueLists(open.client, this.layout, queue);
    } catch (error) {
      throw redisFailure('TRANSPORT_ERROR', `redis transport: purge of queue '${queue}'`, error);
    }
  }

  /** Ready messages of the queue, over all its priority lists. */
  async size(queue: string): Promise<number> {
    const open = this.#started('size a queue');
    void open.writes.flush();
    try {
      return await countQueueLists(open.client, this.layout, queue);
    } catch (error) {
      throw redisFailure('TRANSPORT_ERROR', `redis transport: size of queue '${queue}'`, error);
    }
  }

  /** Appends a dead letter to `celeriac.dead_letters`. */
  async deadLetter(message: TransportMessage, queue: string, reason: string): Promise<void> {
    const open = this.#started('dead-letter');
    const text = encodeEnvelope(message, { exchange: '', routingKey: queue }, randomUUID());
    try {
      await open.client.rpush(this.layout.deadLetters, deadLetterRecord(text, queue, reason, this.#clock.now()));
    } catch (error) {
      throw redisFailure('TRANSPORT_ERROR', `redis transport: dead-lettering to '${queue}'`, error);
    }
  }

  async listDeadLetters(options: { limit?: number } = {}): Promise<DeadLetter[]> {
    const open = this.#started('list dead letters');
    await open.writes.flush();
    try {
      return await this.#deadLetters.list(open.client, options.limit);
    } catch (error) {
      throw redisFailure('TRANSPORT_ERROR', 'redis transport: listing dead letters', error);
    }
  }

  async requeueDeadLetters(ids?: string[]): Promise<number> {
    const open = this.#started('requeue dead letters');
    await open.writes.flush();
    try {
      return await this.#deadLetters.requeue(open.client, ids);
    } catch (error) {
      throw redisFailure('TRANSPORT_ERROR', 'redis transport: requeueing dead letters', error);
    }
  }
  /** One token for all workers of this Redis, on the server's clock (`take-rate-token.lua`). */
  async takeRateToken(key: string, intervalMs: number): Promise<number> {
    const open = this.#started('take a rate-limit token');
    try {
      const reply = await takeRateTokenScript.run(open.client, [this.layout.rateToken(key)], [Math.max(1, Math.round(intervalMs))]);
      return Number(reply);
    } catch (error) {
      throw redisFailure('TRANSPORT_ERROR', `redis transport: rate-limit token '${key}'`, error);
    }
  }


  #started(operation: string): RedisSession {
    if (this.#open === undefined || this.#stopping !== undefined) throw transportClosedError(operation);
    return this.#open;
  }

  async #stopConsumer(consumer: RedisConsumer): Promise<void> {
    this.#consumers = this.#consumers.filter((c) => c !== consumer);
    this.#keepAlive.update(this.#consumers.length);
    consumer.qos.signal.removeEventListener('abort', consumer.qos.onAbort);
    await consumer.stop(this.#open?.client).catch((error: unknown) => {
      this.#logger.warn(`redis transport: stopping a consumer failed: ${redisReason(error)}`);
    });
  }
}
