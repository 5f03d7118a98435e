/**
 * The Redis transport's publish path: kombu's envelope with a fresh UUID delivery tag, `LPUSH`ed
 * (through the turn's write batch) to the queue's list for the message priority; a named
 * exchange resolves through `_kombu.binding.<exchange>` first, and a message no binding routes
 * is dropped with a warning, as kombu does.
 */
import { randomUUID } from 'node:crypto';
import { redisFailure } from '../../connections/redis-failure.js';
import { CeleriacError } from '../../errors.js';
import { encodeEnvelope } from '../../protocol/redis-envelope.js';
import type { TransportMessage } from '../../protocol/transport-message.js';
import type { PublishOptions, PublishRoute, TransportLogger } from '../transport.js';
import { unroutableWarning } from '../virtual/exchange-table.js';
import type { BindingTable } from './binding-table.js';
import type { KeyLayout } from './key-layout.js';
import type { RedisSession } from './redis-session.js';

export class RedisPublisher {
  constructor(
    private readonly layout: KeyLayout,
    private readonly bindings: BindingTable,
    private readonly logger: TransportLogger,
    private readonly display: string,
    /** `confirm_publish`: wait for Redis's reply (see `RedisTransportOptions.confirmPublish`). */
    private readonly confirm: boolean,
  ) {}

  /**
   * Resolves when Redis stored the message in every list it routes to — or, without
   * confirmation, once it is queued on the connection (`options.tracker` is then told how
   * it ends; see `publish-outbox.ts`).
   * @throws CeleriacError `TRANSPORT_ERROR` at once while the connection is down (and when Redis
   *   refuses); `ENCODE_ERROR` for a header that cannot be JSON-encoded.
   */
  publish(session: RedisSession, message: TransportMessage, route: PublishRoute, options?: PublishOptions): Promise<void> {
    if (session.client.status !== 'ready') {
      return Promise.reject(
        new CeleriacError('TRANSPORT_ERROR', `redis transport: publish failed: not connected to ${this.display} (reconnecting)`),
      );
    }
    let text: string;
    try {
      text = encodeEnvelope(message, route, randomUUID());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (route.exchange === '') {
      const listKey = this.layout.listKeyFor(route.routingKey, message.properties);
      if (this.confirm) return session.writes.publish(listKey, text);
      return this.#publishUnconfirmed(session, [listKey], text, options);
    }
    return this.#publishRouted(session, message, route, text, options);
  }

  #publishUnconfirmed(session: RedisSession, listKeys: string[], text: string, options: PublishOptions | undefined): Promise<void> {
    return session.outbox.publish(listKeys, text, options?.retryPolicy ?? null, options?.tracker);
  }

  async #publishRouted(
    session: RedisSession,
    message: TransportMessage,
    route: PublishRoute,
    text: string,
    options: PublishOptions | undefined,
  ): Promise<void> {
    let queues: string[];
    try {
      queues = await this.bindings.lookup(session.client, route.exchange, route.routingKey);
    } catch (error) {
      throw redisFailure('TRANSPORT_ERROR', `redis transport: looking up exchange '${route.exchange}'`, error);
    }
    if (queues.length === 0) {
      this.logger.warn(unroutableWarning(route.exchange, route.routingKey));
      return;
    }
    const listKeys = queues.map((queue) => this.layout.listKeyFor(queue, message.properties));
    if (!this.confirm) return this.#publishUnconfirmed(session, listKeys, text, options);
    await Promise.all(listKeys.map((listKey) => session.writes.publish(listKey, text)));
  }
}
