/**
 * The hold of a message handed out before `pop-and-hold.lua` recorded it: the one a `BRPOP`
 * returned to an idle consumer (see `redis-consumer.ts`). A settle of it must not reach Redis
 * before the hold does — except an ack made while the consumer is still handing the message out,
 * i.e. the worker started the task at once and acked it early (Celery's default). Holding it then
 * only to forget it a moment later (kombu's `unacked` HSET + ZADD, then HDEL + ZREM, and a script
 * call of its own for the ack) buys nothing: the message is simply not held, and the ack has
 * nothing to do in Redis. A crash after that point no longer brings the started task back to run
 * a second time, as early acks promise.
 */
export class PendingHold {
  #state: 'open' | 'acked' | 'sent' = 'open';
  #settle!: () => void;
  /** Settles once the hold was recorded, failed, or was not needed. Never rejects. */
  readonly recorded = new Promise<void>((resolve) => (this.#settle = resolve));

  /** An ack: true when it came before the hold was sent, and so takes its place. */
  ackInstead(): boolean {
    if (this.#state !== 'open') return false;
    this.#state = 'acked';
    this.#settle();
    return true;
  }

  /** The consumer is about to send the hold: false when an ack came first (send none). */
  send(): boolean {
    if (this.#state === 'acked') return false;
    this.#state = 'sent';
    return true;
  }

  /** The hold call returned (or failed): settles waiting until now may go. */
  done(): void {
    this.#settle();
  }
}
