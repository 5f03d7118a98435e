import type { Clock } from '../../internal/clock.js';
import { systemClock } from '../../internal/clock.js';
import { TokenBucket } from '../../internal/rate-limit.js';
import type { TransportMessage } from '../../protocol/transport-message.js';
import type {
  ConsumeOptions,
  DeadLetter,
  ExchangeType,
  PublishRoute,
  QueueSpec,
  Transport,
  TransportCapabilities,
  TransportLogger,
} from '../transport.js';
import { transportClosedError } from '../virtual/closed-error.js';
import { MemoryRevocations } from './memory-revocations.js';
import { checkConsumeOptions } from '../virtual/consume-options-check.js';
import { ConsumerKeepAlive } from '../virtual/consumer-keep-alive.js';
import { ExchangeTable, unroutableWarning } from '../virtual/exchange-table.js';
import { messagePriority } from '../virtual/message-priority.js';
import { processWarningLogger } from '../virtual/process-warning-logger.js';
import { QosConsumer } from '../virtual/qos-consumer.js';
import { SettleOutcome } from '../virtual/settle-outcome.js';
import type { MemoryQueue, MemorySettler } from './memory-delivery.js';
import { DeliveryState, MemoryDelivery } from './memory-delivery.js';
import { PriorityDeque } from './priority-deque.js';

/** Options of {@link MemoryTransport}. */
export interface MemoryTransportOptions {
  /** Time source for dead letters' `diedAtMs`; default the system clock. */
  clock?: Clock;
  /** Receives warnings (unroutable messages, consumers that threw); default process warnings. */
  logger?: TransportLogger;
}

/** Deliveries one consumer gets per dispatch pass before others (and I/O) get a turn. */
const DISPATCH_BUDGET = 4096;

const RESOLVED: Promise<void> = Promise.resolve();

interface MemoryDeadLetter {
  readonly letter: DeadLetter;
  readonly exchange: string;
  readonly routingKey: string;
}

/**
 * `memory://` — a single-process, in-memory transport for tests, benchmarks and embedding
 * (kombu's `memory` transport, but with acks, QoS and priorities). Nothing survives the
 * process; each instance is its own broker (no global state, DESIGN.md convention 8), so a
 * producer and a worker must share the instance to talk.
 *
 * Publishing and taking a message are O(1); deliveries are batched per event-loop turn
 * (`setImmediate`), never one timer per message. Priorities are exact (0..9, 0 first). While
 * it has consumers it keeps the process alive, like a broker connection.
 *
 * @example
 * const transport = new MemoryTransport();
 * await transport.start();
 * await transport.publish(message, { exchange: '', routingKey: 'celery' });
 */
export class MemoryTransport implements Transport {
  readonly capabilities: TransportCapabilities = {
    durable: false,
    crossProcess: false,
    priority: true,
    fanout: true,
    nativeDelay: false,
  };

  readonly #clock: Clock;
  readonly #logger: TransportLogger;
  readonly #queues = new Map<string, MemoryQueue>();
  readonly #exchanges = new ExchangeTable();
  readonly #unacked = new Set<MemoryDelivery>();
  readonly #deadLetters = new Map<string, MemoryDeadLetter>();
  readonly #settler: MemorySettler = {
    settle: (delivery, outcome, reason) => this.#settle(delivery, outcome, reason),
    recount: (delivery, counts) => this.#recount(delivery, counts),
  };
  readonly #keepAlive = new ConsumerKeepAlive();
  readonly #rateBuckets = new Map<string, TokenBucket>();
  readonly revocations = new MemoryRevocations((action) => {
    if (!this.#started) throw transportClosedError(action);
  });
  #started = false;
  #consumers: QosConsumer<MemoryQueue>[] = [];
  #consumerCursor = 0;
  #dispatchScheduled = false;
  #lastTag = 0;
  #lastDeadLetterId = 0;

  constructor(options: MemoryTransportOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? processWarningLogger;
  }

  async start(): Promise<void> {
    this.#started = true;
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    for (const consumer of this.#consumers) consumer.deactivate();
    this.#consumers = [];
    this.#keepAlive.update(0);
    // Give unacked messages back in delivery order, ahead of everything still queued.
    const unacked = [...this.#unacked];
    this.#unacked.clear();
    for (let i = unacked.length - 1; i >= 0; i--) {
      const delivery = unacked[i]!;
      delivery.state = DeliveryState.Closed;
      this.#requeue(delivery);
    }
  }

  async declareQueue(spec: QueueSpec): Promise<void> {
    if (!this.#started) throw transportClosedError('declare a queue');
    this.#queue(spec.name);
    if (spec.exchange !== undefined && spec.exchange !== '') {
      this.#exchanges.bind(spec.exchange, spec.exchangeType ?? 'direct', spec.routingKey ?? spec.name, spec.name);
    }
  }

  async declareExchange(exchange: string, type: ExchangeType): Promise<void> {
    if (!this.#started) throw transportClosedError('declare an exchange');
    if (exchange !== '') this.#exchanges.declare(exchange, type);
  }

  publish(message: TransportMessage, route: PublishRoute): Promise<void> {
    if (!this.#started) return Promise.reject(transportClosedError('publish'));
    const { exchange, routingKey } = route;
    const priority = messagePriority(message.properties);
    if (exchange === '') {
      this.#enqueue(this.#queue(routingKey), message, exchange, routingKey, priority);
    } else {
      const queues = this.#exchanges.route(exchange, routingKey);
      if (queues.length === 0) this.#logger.warn(unroutableWarning(exchange, routingKey));
      for (const name of queues) {
        this.#enqueue(this.#queue(name), message, exchange, routingKey, priority);
      }
    }
    return RESOLVED;
  }

  async consume(options: ConsumeOptions): Promise<void> {
    if (!this.#started) throw transportClosedError('consume');
    checkConsumeOptions(options);
    const { signal } = options;
    if (signal.aborted) return;
    const queues = options.queues.map((name) => this.#queue(name));
    const consumer: QosConsumer<MemoryQueue> = new QosConsumer(
      queues,
      options.prefetch,
      (delivery) => options.onMessage(delivery),
      signal,
      () => {
        consumer.deactivate();
        this.#consumers = this.#consumers.filter((c) => c !== consumer);
        this.#keepAlive.update(this.#consumers.length);
      },
    );
    signal.addEventListener('abort', consumer.onAbort, { once: true });
    this.#consumers = [...this.#consumers, consumer];
    this.#keepAlive.update(this.#consumers.length);
    this.#scheduleDispatch();
  }

  async purge(queue: string): Promise<number> {
    if (!this.#started) throw transportClosedError('purge');
    return this.#queues.get(queue)?.items.clear() ?? 0;
  }

  async size(queue: string): Promise<number> {
    if (!this.#started) throw transportClosedError('size a queue');
    return this.#queues.get(queue)?.items.length ?? 0;
  }

  async deadLetter(message: TransportMessage, queue: string, reason: string): Promise<void> {
    if (!this.#started) throw transportClosedError('dead-letter');
    this.#addDeadLetter(message, queue, reason, '', queue);
  }

  async listDeadLetters(options: { limit?: number } = {}): Promise<DeadLetter[]> {
    if (!this.#started) throw transportClosedError('list dead letters');
    const limit = options.limit ?? Infinity;
    const letters: DeadLetter[] = [];
    for (const { letter } of this.#deadLetters.values()) {
      if (letters.length >= limit) break;
      letters.push({ ...letter });
    }
    return letters;
  }

  async requeueDeadLetters(ids?: string[]): Promise<number> {
    if (!this.#started) throw transportClosedError('requeue dead letters');
    const chosen = ids ?? [...this.#deadLetters.keys()];
    let count = 0;
    for (const id of chosen) {
      const dead = this.#deadLetters.get(id);
      if (dead === undefined) continue;
      this.#deadLetters.delete(id);
      const { message, queue } = dead.letter;
      const priority = messagePriority(message.properties);
      this.#enqueue(this.#queue(queue), message, dead.exchange, dead.routingKey, priority);
      count++;
    }
    return count;
  }
  /** Shared by every worker using this transport instance (one process). */
  async takeRateToken(key: string, intervalMs: number): Promise<number> {
    if (!this.#started) throw transportClosedError('take a rate-limit token');
    let bucket = this.#rateBuckets.get(key);
    if (bucket === undefined || bucket.intervalMs !== intervalMs) {
      bucket = new TokenBucket(intervalMs);
      this.#rateBuckets.set(key, bucket);
    }
    return bucket.take(this.#clock.now());
  }


  #queue(name: string): MemoryQueue {
    let queue = this.#queues.get(name);
    if (queue === undefined) {
      queue = { name, items: new PriorityDeque<MemoryDelivery>() };
      this.#queues.set(name, queue);
    }
    return queue;
  }

  #enqueue(
    queue: MemoryQueue,
    message: TransportMessage,
    exchange: string,
    routingKey: string,
    priority: number,
  ): void {
    const tag = ++this.#lastTag;
    queue.items.push(
      new MemoryDelivery(this.#settler, message, queue, tag, false, exchange, routingKey, priority),
      priority,
    );
    if (this.#consumers.length > 0) this.#scheduleDispatch();
  }

  /** Puts a delivery's message back at the front of its priority, marked redelivered. */
  #requeue(delivery: MemoryDelivery): void {
    const copy = new MemoryDelivery(
      this.#settler,
      delivery.message,
      delivery.target,
      delivery.tag,
      true,
      delivery.exchange,
      delivery.routingKey,
      delivery.priority,
    );
    delivery.target.items.unshift(copy, delivery.priority);
  }

  #settle(delivery: MemoryDelivery, outcome: SettleOutcome, reason?: string): Promise<void> {
    if (delivery.state !== DeliveryState.Unacked) {
      return delivery.state === DeliveryState.Closed
        ? Promise.reject(transportClosedError('settle a delivery made before stop()'))
        : RESOLVED;
    }
    delivery.state = DeliveryState.Settled;
    this.#unacked.delete(delivery);
    if (delivery.countsTowardPrefetch) delivery.consumer!.unacked--;
    if (outcome === SettleOutcome.Requeue) {
      this.#requeue(delivery);
    } else if (outcome === SettleOutcome.DeadLetter) {
      const { message, queue, exchange, routingKey } = delivery;
      this.#addDeadLetter(message, queue, reason ?? '', exchange, routingKey);
    }
    if (this.#consumers.length > 0) this.#scheduleDispatch();
    return RESOLVED;
  }

  #recount(delivery: MemoryDelivery, counts: boolean): void {
    if (delivery.state !== DeliveryState.Unacked || delivery.countsTowardPrefetch === counts) return;
    delivery.countsTowardPrefetch = counts;
    delivery.consumer!.unacked += counts ? 1 : -1;
    if (!counts && this.#consumers.length > 0) this.#scheduleDispatch();
  }

  #addDeadLetter(
    message: TransportMessage,
    queue: string,
    reason: string,
    exchange: string,
    routingKey: string,
  ): void {
    const id = String(++this.#lastDeadLetterId);
    const letter: DeadLetter = { id, queue, reason, diedAtMs: this.#clock.now(), message };
    this.#deadLetters.set(id, { letter, exchange, routingKey });
  }

  #scheduleDispatch(): void {
    if (this.#dispatchScheduled) return;
    this.#dispatchScheduled = true;
    setImmediate(this.#dispatch);
  }

  readonly #dispatch = (): void => {
    this.#dispatchScheduled = false;
    if (!this.#started) return;
    // A snapshot: consumers that abort inside onMessage replace the array, not mutate it.
    const consumers = this.#consumers;
    const count = consumers.length;
    if (count === 0) return;
    const first = this.#consumerCursor++ % count;
    let budgetSpent = false;
    for (let i = 0; i < count; i++) {
      if (this.#feed(consumers[(first + i) % count]!)) budgetSpent = true;
    }
    if (budgetSpent) this.#scheduleDispatch();
  };

  /**
   * Hands messages to one consumer, round-robin over its queues, until its QoS window is full
   * or its queues are empty. Returns true if it stopped on the per-pass budget instead — a
   * consumer that settles synchronously would otherwise keep the loop here forever.
   */
  #feed(consumer: QosConsumer<MemoryQueue>): boolean {
    const queues = consumer.queues;
    const queueCount = queues.length;
    const limit = consumer.prefetch === 0 ? Infinity : consumer.prefetch;
    let budget = DISPATCH_BUDGET;
    while (consumer.active && consumer.unacked < limit && this.#started) {
      if (budget-- === 0) return true;
      let delivery: MemoryDelivery | undefined;
      for (let tried = 0; tried < queueCount && delivery === undefined; tried++) {
        const queue = queues[consumer.cursor]!;
        consumer.cursor = consumer.cursor + 1 === queueCount ? 0 : consumer.cursor + 1;
        delivery = queue.items.shift();
      }
      if (delivery === undefined) return false;
      delivery.state = DeliveryState.Unacked;
      delivery.consumer = consumer;
      consumer.unacked++;
      this.#unacked.add(delivery);
      try {
        consumer.onMessage(delivery);
      } catch (error) {
        this.#logger.warn(`memory transport: onMessage threw (it must not): ${String(error)}`);
      }
    }
    return false;
  }
}
