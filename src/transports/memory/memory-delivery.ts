import type { TransportMessage } from '../../protocol/transport-message.js';
import type { Delivery } from '../transport.js';
import type { QosConsumer } from '../virtual/qos-consumer.js';
import { rejectOutcome, SettleOutcome } from '../virtual/settle-outcome.js';
import type { PriorityDeque } from './priority-deque.js';

/**
 * Where a delivery is in its life: `Ready` (in a queue), `Unacked` (handed to a consumer),
 * `Settled` (acked or rejected), `Closed` (given back by `stop()`; settling it now is an error).
 */
export const DeliveryState = { Ready: 0, Unacked: 1, Settled: 2, Closed: 3 } as const;
export type DeliveryState = (typeof DeliveryState)[keyof typeof DeliveryState];

/** The transport side a delivery reports to. */
export interface MemorySettler {
  settle(delivery: MemoryDelivery, outcome: SettleOutcome, reason?: string): Promise<void>;
  recount(delivery: MemoryDelivery, counts: boolean): void;
}

/** A queue of the memory transport. */
export interface MemoryQueue {
  readonly name: string;
  readonly items: PriorityDeque<MemoryDelivery>;
}

/**
 * One stored message of the memory transport. The same object sits in the queue and is
 * handed to the consumer, so a publish allocates once; a requeue makes a fresh one (the old
 * one stays settled, making a second ack a no-op).
 */
export class MemoryDelivery implements Delivery {
  state: DeliveryState = DeliveryState.Ready;
  consumer: QosConsumer<MemoryQueue> | undefined = undefined;
  /** Takes a prefetch slot of `consumer` while unacked (see Delivery.countTowardPrefetch). */
  countsTowardPrefetch = true;

  constructor(
    readonly settler: MemorySettler,
    readonly message: TransportMessage,
    readonly target: MemoryQueue,
    readonly tag: number,
    readonly redelivered: boolean,
    readonly exchange: string,
    readonly routingKey: string,
    readonly priority: number,
  ) {}

  get queue(): string {
    return this.target.name;
  }

  get deliveryTag(): string {
    return String(this.tag);
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
