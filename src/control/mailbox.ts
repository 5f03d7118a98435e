/**
 * Names of Celery's remote-control mailbox (kombu `pidbox.Mailbox`, celery-protocol.md §9), for
 * the namespace `control_exchange` (default `celery`): the broadcast exchange
 * `<namespace>.pidbox` (fanout), the reply exchange `reply.<namespace>.pidbox` (direct), each
 * node's queue `<node name>.<namespace>.pidbox` bound to the broadcast exchange with an empty key,
 * and a client's reply queue `<oid>.reply.<namespace>.pidbox` bound with its oid. The Lamport
 * clock stamps the `clock` header, as kombu's mailbox does.
 */
export class Mailbox {
  readonly exchange: string;
  readonly replyExchange: string;
  #clock = 0;

  constructor(readonly namespace = 'celery') {
    this.exchange = `${namespace}.pidbox`;
    this.replyExchange = `reply.${namespace}.pidbox`;
  }

  /** The queue a node (worker) listens on. */
  nodeQueue(nodename: string): string {
    return `${nodename}.${this.namespace}.pidbox`;
  }

  /** The queue a client collects replies on. */
  replyQueue(oid: string): string {
    return `${oid}.reply.${this.namespace}.pidbox`;
  }

  /** Advances the Lamport clock for a message sent now. */
  tick(): number {
    return ++this.#clock;
  }

  /** Lamport rule on receipt: the clock moves past what the sender had seen. */
  observe(clock: number): void {
    if (clock > this.#clock) this.#clock = clock;
    this.#clock++;
  }
}
