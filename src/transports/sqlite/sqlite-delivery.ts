import type { TransportMessage } from '../../protocol/transport-message.js';
import type { Delivery } from '../transport.js';
import type { QosConsumer } from '../virtual/qos-consumer.js';
import { rejectOutcome, SettleOutcome } from '../virtual/settle-outcome.js';

/** The transport side a delivery reports to. */
export interface SqliteSettler {
  settle(delivery: SqliteDelivery, outcome: SettleOutcome, reason?: string): Promise<void>;
  recount(delivery: SqliteDelivery, counts: boolean): void;
}

/** A message leased from the sqlite transport, unacked until settled. */
export class SqliteDelivery implements Delivery {
  settled = false;
  /** Takes a prefetch slot of `consumer` until settled (see Delivery.countTowardPrefetch). */
  countsTowardPrefetch = true;

  constructor(
    readonly settler: SqliteSettler,
    readonly consumer: QosConsumer<string>,
    /** The transport's start count when delivered: settling after a stop() is an error. */
    readonly epoch: number,
    /** `celeriac_messages.id`. */
    readonly id: number,
    readonly message: TransportMessage,
    readonly queue: string,
    readonly redelivered: boolean,
    readonly exchange: string,
    readonly routingKey: string,
  ) {}

  get deliveryTag(): string {
    return String(this.id);
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
