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
}

/** A message taken from a Redis list and held (kombu's unacked hash) until settled. */
export class RedisDelivery implements Delivery {
  settled = false;
  /** Takes a prefetch slot of `consumer` until settled (see Delivery.countTowardPrefetch). */
  countsTowardPrefetch = true;
  /** Its place among the transport's held deliveries while held. */
  heldEntry: ListEntry<RedisDelivery> | undefined = undefined;

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
    readonly message: TransportMessage,
    readonly queue: string,
    readonly redelivered: boolean,
    readonly exchange: string,
    readonly routingKey: string,
    /** The hold still on its way when the message was handed out; see PoppedMessage. */
    readonly hold: PendingHold | undefined = undefined,
  ) {}

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
