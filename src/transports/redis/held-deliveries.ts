/**
 * The messages a Redis transport holds: turning what a fetch returned into deliveries, settling
 * them (ack, requeue, dead letter) through the write batcher, and giving back whatever is still
 * held at stop (kombu's `restore_unacked_once`). Its tags are what the renewer keeps fresh.
 */
import type { RedisClient } from '../../connections/redis-connection.js';
import { redisReason } from '../../connections/redis-failure.js';
import type { Clock } from '../../internal/clock.js';
import { EntryList } from '../../internal/entry-list.js';
import { decodeEnvelope, encodeEnvelope } from '../../protocol/redis-envelope.js';
import type { TransportLogger } from '../transport.js';
import { transportClosedError } from '../virtual/closed-error.js';
import { SettleOutcome } from '../virtual/settle-outcome.js';
import { deadLetterRecord } from './dead-letter-store.js';
import type { KeyLayout } from './key-layout.js';
import type { PoppedMessage, RedisConsumer } from './redis-consumer.js';
import { RedisDelivery, type DecodedDelivery, type RedisSettler } from './redis-delivery.js';
import { ReleaseBatch } from './release-batch.js';
import type { WriteBatcher } from './write-batcher.js';

const RESOLVED: Promise<void> = Promise.resolve();

/** Entries per `release-held.lua` call at stop. */
const GIVE_BACK_CHUNK = 500;

export interface HeldDeliveriesOptions {
  layout: KeyLayout;
  clock: Clock;
  logger: TransportLogger;
  selfId: string;
  /** The transport's write batcher and command connection while it is open. */
  open: () => { writes: WriteBatcher; client: RedisClient } | undefined;
}

/** kombu's restored form of a held message: redelivered flags set, same delivery tag. */
function requeueText(delivery: RedisDelivery): string {
  return encodeEnvelope(
    delivery.message,
    { exchange: delivery.exchange, routingKey: delivery.routingKey, redelivered: true },
    delivery.deliveryTag,
  );
}

/**
 * What a stored text decodes to, or why it cannot be (the dead-letter reason).
 */
function decodeStored(payload: string, queue: string): DecodedDelivery | string {
  let decoded;
  try {
    decoded = decodeEnvelope(payload);
  } catch (error) {
    return `message is not a kombu envelope: ${redisReason(error)}`;
  }
  let message = decoded.message;
  if (message.headers.redelivered !== undefined) {
    // kombu's restore marks the headers too; the flag belongs to the delivery.
    const { redelivered: _, ...headers } = message.headers;
    message = { ...message, headers };
  }
  const info = decoded.deliveryInfo;
  return {
    message,
    redelivered: decoded.redelivered,
    exchange: info.exchange,
    routingKey: info.exchange === '' && info.routingKey === '' ? queue : info.routingKey,
  };
}

function unreadableWarning(queue: string): string {
  return `redis transport: a message of queue '${queue}' is not a kombu envelope; kept as a dead letter`;
}

export class HeldDeliveries implements RedisSettler {
  /** In delivery order (an EntryList, not a Map: see entry-list.ts). */
  readonly #held = new EntryList<RedisDelivery>();
  /** Bumped by every stop: deliveries of an earlier start can no longer be settled. */
  #epoch = 0;

  constructor(private readonly options: HeldDeliveriesOptions) {}

  /** The delivery tags held now. */
  tags(): string[] {
    return this.#held.values().map((delivery) => delivery.deliveryTag);
  }

  get size(): number {
    return this.#held.size;
  }

  /** Hands what `consumer` fetched to its `onMessage`; gives the rest back if it stopped. */
  deliver(consumer: RedisConsumer, popped: readonly PoppedMessage[]): void {
    const { layout, clock, logger } = this.options;
    const open = this.options.open();
    const epoch = this.#epoch;
    for (let i = 0; i < popped.length; i++) {
      if (!consumer.qos.active || open === undefined || this.#epoch !== epoch) {
        this.#returnUndelivered(popped.slice(i));
        return;
      }
      const entry = popped[i]!;
      if (entry.tag === '') {
        // Not JSON: nobody could restore it, so it was not held; keep it as a dead letter.
        const record = deadLetterRecord(entry.payload, entry.queue, 'message is not a kombu envelope (not JSON)', clock.now());
        logger.warn(`redis transport: a message of queue '${entry.queue}' is not JSON; kept as a dead letter`);
        void open.client.rpush(layout.deadLetters, record).catch((error: unknown) =>
          logger.warn(`redis transport: could not keep an unreadable message: ${redisReason(error)}`),
        );
        continue;
      }
      // A consumer that defers decoding gets the stored text, decoded by `open()` (see below).
      let decoded: DecodedDelivery | undefined;
      if (!consumer.qos.deferDecode) {
        const read = decodeStored(entry.payload, entry.queue);
        if (typeof read === 'string') {
          logger.warn(unreadableWarning(entry.queue));
          void open.writes.release(entry.tag, deadLetterRecord(entry.payload, entry.queue, read, clock.now()), layout.deadLetters);
          continue;
        }
        decoded = read;
      }
      const delivery = new RedisDelivery(this, consumer, epoch, entry.tag, entry.payload, entry.listKey, entry.queue, decoded, entry.hold);
      consumer.qos.unacked++;
      delivery.heldEntry = this.#held.add(delivery);
      try {
        consumer.qos.onMessage(delivery);
      } catch (error) {
        logger.warn(`redis transport: onMessage threw (it must not): ${String(error)}`);
      }
    }
  }

  /**
   * Decodes a delivery handed out undecoded. An unreadable one is kept as a dead letter, with the
   * reason and warning it would have had on arrival, and settled: false.
   */
  open(delivery: RedisDelivery): boolean {
    if (delivery.opened) return true;
    const read = decodeStored(delivery.payload, delivery.queue);
    if (typeof read !== 'string') {
      delivery.decodedAs(read);
      return true;
    }
    if (!delivery.settled) void this.#deadLetterUnreadable(delivery, read);
    return false;
  }

  #deadLetterUnreadable(delivery: RedisDelivery, why: string): Promise<void> {
    const { logger } = this.options;
    logger.warn(unreadableWarning(delivery.queue));
    return this.settle(delivery, SettleOutcome.DeadLetter, why).catch((error: unknown) =>
      logger.warn(`redis transport: could not keep an unreadable message: ${redisReason(error)}`),
    );
  }

  settle(delivery: RedisDelivery, outcome: SettleOutcome, why?: string): Promise<void> {
    if (delivery.settled) return RESOLVED;
    const open = this.options.open();
    if (delivery.epoch !== this.#epoch || open === undefined) {
      return Promise.reject(transportClosedError('settle a delivery made before stop()'));
    }
    if (outcome === SettleOutcome.Requeue && !delivery.opened) {
      // Its restored form is re-encoded from the decoded message: an unreadable one is kept as
      // the dead letter it would have become on arrival instead.
      const read = decodeStored(delivery.payload, delivery.queue);
      if (typeof read === 'string') return this.#deadLetterUnreadable(delivery, read);
      delivery.decodedAs(read);
    }
    delivery.settled = true;
    if (delivery.heldEntry !== undefined) this.#held.remove(delivery.heldEntry);
    delivery.heldEntry = undefined;
    const { writes } = open;
    const tag = delivery.deliveryTag;
    const consumer = delivery.consumer;
    const counted = delivery.countsTowardPrefetch;
    if (outcome === SettleOutcome.Requeue) {
      // The slot frees once the message is back: the next fetch must find it ahead of newer ones.
      const done = this.#afterHold(delivery, () => writes.release(tag, requeueText(delivery), delivery.listKey));
      if (counted) {
        const free = (): void => {
          consumer.qos.unacked--;
          consumer.slotFreed();
        };
        done.then(free, free);
      }
      return done;
    }
    if (counted) consumer.qos.unacked--;
    let done: Promise<void>;
    if (outcome === SettleOutcome.DeadLetter) {
      const record = deadLetterRecord(delivery.payload, delivery.queue, why ?? '', this.options.clock.now());
      done = this.#afterHold(delivery, () => writes.release(tag, record, this.options.layout.deadLetters));
    } else if (delivery.hold?.ackInstead()) {
      done = RESOLVED; // acked before its hold was sent: it is not held, nothing to remove
    } else {
      done = this.#afterHold(delivery, () => writes.ack(tag));
    }
    consumer.slotFreed();
    return done;
  }

  recount(delivery: RedisDelivery, counts: boolean): void {
    if (delivery.settled || delivery.countsTowardPrefetch === counts || delivery.epoch !== this.#epoch) return;
    delivery.countsTowardPrefetch = counts;
    delivery.consumer.qos.unacked += counts ? 1 : -1;
    if (!counts) delivery.consumer.slotFreed();
  }

  /** Settles whose delivery's hold was still on its way; stop() waits for them. */
  readonly #deferred = new Set<Promise<unknown>>();

  /** Sends a settle now, or once the delivery's hold is recorded (it must not arrive first). */
  #afterHold(delivery: RedisDelivery, send: () => Promise<void>): Promise<void> {
    const hold = delivery.hold;
    if (hold === undefined) return send();
    const handed: Promise<unknown> = hold.recorded.then(() => this.#deferred.delete(handed));
    this.#deferred.add(handed);
    return handed.then(send);
  }

  /** Resolves when every settle deferred behind a hold has been handed to the write batcher. */
  async deferredSettled(): Promise<void> {
    while (this.#deferred.size > 0) await Promise.all(this.#deferred);
  }

  /**
   * Returns every held message to the front of its list, redelivered, in delivery order, and
   * forgets them all (their deliveries can no longer be settled). Resolves to how many there
   * were; Redis errors propagate after the deliveries were forgotten.
   */
  async giveBackAll(client: RedisClient): Promise<number> {
    const held = this.#held.drain();
    this.#epoch++;
    for (let end = held.length; end > 0; end -= GIVE_BACK_CHUNK) {
      const batch = new ReleaseBatch(this.options.layout, undefined, this.options.selfId);
      for (let i = end - 1; i >= Math.max(0, end - GIVE_BACK_CHUNK); i--) {
        const delivery = held[i]!;
        if (!delivery.opened) {
          const read = decodeStored(delivery.payload, delivery.queue);
          if (typeof read !== 'string') delivery.decodedAs(read);
        }
        // One never opened that cannot be read goes back as stored (its next consumer keeps it).
        batch.add(delivery.deliveryTag, delivery.opened ? requeueText(delivery) : delivery.payload, [delivery.listKey]);
      }
      await batch.run(client);
    }
    return held.length;
  }

  /** The consumer went away mid-batch: the rest were held but never handed out. */
  #returnUndelivered(popped: readonly PoppedMessage[]): void {
    const writes = this.options.open()?.writes;
    if (writes === undefined) return; // not after stop(), which waits for its consumers first
    for (let i = popped.length - 1; i >= 0; i--) {
      const entry = popped[i]!;
      if (entry.tag === '') void writes.putBack(entry.listKey, entry.payload);
      else void writes.release(entry.tag, entry.payload, entry.listKey);
    }
  }
}
