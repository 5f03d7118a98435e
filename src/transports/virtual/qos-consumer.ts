import type { Delivery } from '../transport.js';

/**
 * A local consumer's bookkeeping: its queues, its QoS window and where the round-robin over
 * its queues stands (kombu's `round_robin` queue order). `Q` is however the transport names a
 * queue (a string, or a direct reference to an in-memory queue).
 */
export class QosConsumer<Q> {
  /** Deliveries not yet acked or rejected. */
  unacked = 0;
  /** False once its signal aborted or the transport stopped. */
  active = true;
  /** Index into `queues` where the next round starts. */
  cursor = 0;
  /**
   * Its queues may hold ready messages. Transports that fetch in batches clear it when a
   * fetch came back short and set it again on anything that may have added messages.
   */
  mayHaveMore = true;
  /**
   * The consumer opens each delivery before reading it (`ConsumeOptions.deferDecode`): a
   * transport that can may hand deliveries out undecoded.
   */
  deferDecode = false;

  constructor(
    readonly queues: readonly Q[],
    /** Maximum unacked deliveries; 0 = unlimited. */
    readonly prefetch: number,
    readonly onMessage: (delivery: Delivery) => void,
    readonly signal: AbortSignal,
    readonly onAbort: () => void,
  ) {}

  /** How many more deliveries QoS allows now (`Infinity` when prefetch is 0). */
  get freeSlots(): number {
    return this.prefetch === 0 ? Infinity : this.prefetch - this.unacked;
  }

  /** Stops deliveries and forgets the abort listener. */
  deactivate(): void {
    this.active = false;
    this.signal.removeEventListener('abort', this.onAbort);
  }
}
