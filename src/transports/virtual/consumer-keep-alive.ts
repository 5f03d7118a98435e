/**
 * Holds the event loop open while a transport has consumers, as an open broker connection
 * does in kombu/ioredis/amqplib: a worker waiting for its next message (or for an ETA it holds
 * unacked) must not exit just because every timer is unref'd. Aborting the consumers or
 * stopping the transport lets the process end.
 */
export class ConsumerKeepAlive {
  #handle: NodeJS.Timeout | undefined;

  /** Hold the loop open while `consumers > 0`. */
  update(consumers: number): void {
    if (consumers > 0) {
      this.#handle ??= setInterval(() => undefined, 1 << 30);
    } else if (this.#handle !== undefined) {
      clearInterval(this.#handle);
      this.#handle = undefined;
    }
  }
}
