import { DecodeError } from '../../errors.js';
import type { ListEntry } from '../../internal/entry-list.js';
import type { TransportMessage } from '../../protocol/transport-message.js';
import type { Delivery } from '../transport.js';
import type { PendingHold } from './pending-hold.js';
import type { RedisConsumer } from './redis-consumer.js';
import { rejectOutcome, SettleOutcome } from '../virtual/settle-outcome.js';

/** The transport side a delivery reports to. */
export interface RedisSettler {
  settle(delivery: RedisDelivery, outcome: SettleOutcome, reason?: string): Promise<void>;
  recount(delivery: RedisDelivery, counts: boolean): void;
  /** Decodes a delivery's stored text (see RedisDelivery.open); false: unreadable, dead-lettered. */
  open(delivery: RedisDelivery): boolean;
}

/** What a delivery's stored text decodes to. */
export interface DecodedDelivery {
  message: TransportMessage;
  redelivered: boolean;
  exchange: string;
  routingKey: string;
}

/**
 * A message taken from a Redis list and held (kombu's unacked hash) until settled. Its stored
 * text is decoded when it arrives, or — for a consumer that asked to defer it
 * (`ConsumeOptions.deferDecode`) — on `open()`, or the first read of what it decodes to.
 */
export class RedisDelivery implements Delivery {
  settled = false;
  /** Takes a prefetch slot of `consumer` until settled (see Delivery.countTowardPrefetch). */
  countsTowardPrefetch = true;
  /** Its place among the transport's held deliveries while held. */
  heldEntry: ListEntry<RedisDelivery> | undefined = undefined;
  #decoded: DecodedDelivery | undefined;

  constructor(
    readonly settler: RedisSettler,
    readonly consumer: RedisConsumer,
    /** The transport's start count when delivered: settling after a stop() is an error. */
    readonly epoch: number,
    /** kombu's delivery tag: the `unacked` hash field. */
    readonly deliveryTag: string,
    /** The envelope text as stored (given back verbatim when a fetch is undone). */
    readonly payload: string,
    /** The list it came from, with the global prefix: where a requeue puts it back. */
    readonly listKey: string,
    readonly queue: string,
    /** Undefined until `open()` when decoding was deferred. */
    decoded: DecodedDelivery | undefined,
    /** The hold still on its way when the message was handed out; see PoppedMessage. */
    readonly hold: PendingHold | undefined = undefined,
  ) {
    this.#decoded = decoded;
  }

  /** Whether the stored text was decoded (by `open()`, or as it arrived). */
  get opened(): boolean {
    return this.#decoded !== undefined;
  }

  /** Records what the stored text decodes to (the settler's `open`). */
  decodedAs(decoded: DecodedDelivery): void {
    this.#decoded = decoded;
  }

  open(): boolean {
    return this.#decoded !== undefined || this.settler.open(this);
  }

  get message(): TransportMessage {
    return this.#read().message;
  }

  get redelivered(): boolean {
    return this.#read().redelivered;
  }

  get exchange(): string {
    return this.#read().exchange;
  }

  get routingKey(): string {
    return this.#read().routingKey;
  }

  #read(): DecodedDelivery {
    if (this.#decoded === undefined && !this.open()) {
      throw new DecodeError(`the message of queue '${this.queue}' is not a kombu envelope (kept as a dead letter)`);
    }
    return this.#decoded!;
  }

  ack(): Promise<void> {
    return this.settler.settle(this, SettleOutcome.Ack);
  }

  reject(options: { requeue: boolean; deadLetterReason?: string }): Promise<void> {
    return this.settler.settle(this, rejectOutcome(options), options.deadLetterReason);
  }

  countTowardPrefetch(counts: boolean): void {
    this.settler.recount(this, counts);
  }
}
