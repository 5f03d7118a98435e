/**
 * Consuming queues bound to a fanout exchange on Redis, as kombu does (`basic_consume` of a
 * queue in `_fanout_queues`): no list and no BRPOP — the consumer PSUBSCRIBEs the exchange's
 * channel (`redis-fanout.ts`) and each message published there while subscribed becomes a
 * delivery of that queue. There is nothing to hold: ack and reject do nothing, a message missed
 * while not subscribed is gone (PUB/SUB), and these deliveries do not count against the
 * consumer's prefetch.
 */
import type { Delivery } from '../transport.js';
import type { TransportMessage } from '../../protocol/transport-message.js';
import type { FanoutBinding } from './declared-exchanges.js';
import type { RedisFanout } from './redis-fanout.js';

const SETTLED: Promise<void> = Promise.resolve();

/** One message received on a fanout queue's channel. */
class FanoutQueueDelivery implements Delivery {
  readonly redelivered = false;

  constructor(
    readonly message: TransportMessage,
    readonly queue: string,
    readonly deliveryTag: string,
    readonly exchange: string,
    readonly routingKey: string,
  ) {}

  ack(): Promise<void> {
    return SETTLED;
  }

  reject(): Promise<void> {
    return SETTLED;
  }

  countTowardPrefetch(): void {} // never counted
}

/**
 * Subscribes each fanout queue; resolves once Redis confirmed every subscription. Aborting
 * `signal` unsubscribes.
 */
export async function consumeFanoutQueues(
  fanout: RedisFanout,
  queues: ReadonlyArray<{ queue: string; binding: FanoutBinding }>,
  signal: AbortSignal,
  onMessage: (delivery: Delivery) => void,
): Promise<void> {
  let received = 0;
  await Promise.all(
    queues.map(({ queue, binding }) =>
      fanout.subscribe({
        exchange: binding.exchange,
        bindingKeys: [binding.bindingKey],
        signal,
        onMessage: (got) => {
          if (signal.aborted) return;
          onMessage(new FanoutQueueDelivery(got.message, queue, `fanout-${++received}`, got.exchange, got.routingKey));
        },
      }),
    ),
  );
}
