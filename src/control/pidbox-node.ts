/**
 * The worker side of remote control (kombu's `pidbox.Node` as Celery's worker runs it): the node
 * queue `<node name>.<namespace>.pidbox`, bound to the `<namespace>.pidbox` fanout exchange,
 * consumed beside the task queues; each command addressed to this node (no `destination`, or one
 * naming it, or a matching `pattern`) runs its handler, and when the sender asked for a reply
 * (`ticket` + `reply_to`) the handler's value goes back as `{<node name>: value}` to the reply
 * exchange — on Redis the client's `<oid>.reply.<namespace>.pidbox` list, as kombu does.
 */
import { globToRegExp } from '../internal/glob.js';
import type { Logger } from '../internal/logger.js';
import { controlClock, decodeControlRequest, encodeControlReply, type ControlRequest } from '../protocol/control-message.js';
import type { Delivery, Transport } from '../transports/transport.js';
import { controlHandlers, type ControlHandler } from './control-handlers.js';
import type { ControlTarget } from './control-target.js';
import type { Mailbox } from './mailbox.js';

export interface PidboxNodeOptions {
  transport: Transport;
  mailbox: Mailbox;
  target: ControlTarget;
  log: Logger;
  /** Commands this node answers; default {@link controlHandlers}. */
  handlers?: Readonly<Record<string, ControlHandler>>;
}

/** kombu's matcher: `glob` (fnmatch of the node name) or `pcre` (a regex matched at the start). */
function nodeMatches(hostname: string, pattern: string, matcher: string): boolean {
  try {
    return matcher === 'pcre' ? new RegExp(`^(?:${pattern})`).test(hostname) : globToRegExp(pattern).test(hostname);
  } catch {
    return false;
  }
}

export class PidboxNode {
  readonly queue: string;
  readonly #handlers: Readonly<Record<string, ControlHandler>>;
  #consuming: AbortController | undefined;

  constructor(private readonly options: PidboxNodeOptions) {
    this.queue = options.mailbox.nodeQueue(options.target.hostname);
    this.#handlers = options.handlers ?? controlHandlers;
  }

  /** Declare the node queue and start consuming it; resolves once commands can arrive. Idempotent. */
  async start(): Promise<void> {
    if (this.#consuming) return;
    const { transport, mailbox } = this.options;
    const consuming = new AbortController();
    this.#consuming = consuming;
    try {
      await transport.declareQueue({ name: this.queue, exchange: mailbox.exchange, exchangeType: 'fanout', routingKey: '' });
      // A stored queue outlives its node (Celery's expires with it): commands sent while this node
      // was down are stale, and revocations come back from the broker's revocation store instead.
      if (transport.capabilities.durable) await transport.purge(this.queue);
      await transport.consume({
        queues: [this.queue],
        prefetch: 0,
        signal: consuming.signal,
        onMessage: (delivery) => void this.#handle(delivery),
      });
    } catch (error) {
      // Not consuming: a later start() (the worker retries a failed start-up) must try again.
      if (this.#consuming === consuming) this.#consuming = undefined;
      throw error;
    }
  }

  /** Stop consuming. Idempotent. */
  stop(): void {
    this.#consuming?.abort();
  }

  async #handle(delivery: Delivery): Promise<void> {
    const { log, mailbox, target, transport } = this.options;
    // Commands are casts: taken once, never redelivered (Celery's pidbox consumer uses no_ack).
    await delivery.ack().catch(() => undefined);
    let request: ControlRequest;
    try {
      request = decodeControlRequest(delivery.message);
    } catch (err) {
      log.warn(`remote control: dropped an unreadable command: ${(err as Error).message}`);
      return;
    }
    mailbox.observe(controlClock(delivery.message));
    if (!this.#addressed(request)) return;
    const handler = Object.hasOwn(this.#handlers, request.method) ? this.#handlers[request.method] : undefined;
    let reply: unknown;
    if (handler === undefined) {
      log.warn(`remote control: unknown command '${request.method}'`);
      reply = { error: `KeyError('${request.method}')` };
    } else {
      try {
        reply = await handler(target, request.arguments, request);
      } catch (err) {
        log.error({ err }, `remote control: command '${request.method}' failed`);
        reply = { error: String(err) };
      }
    }
    if (request.ticket === undefined || request.replyTo === undefined) return;
    try {
      await transport.publish(encodeControlReply(target.hostname, reply, request.ticket, mailbox.tick()), {
        exchange: request.replyTo.exchange,
        routingKey: request.replyTo.routingKey,
      });
    } catch (err) {
      log.warn(`remote control: could not reply to '${request.method}': ${(err as Error).message}`);
    }
  }

  #addressed(request: ControlRequest): boolean {
    const hostname = this.options.target.hostname;
    if (request.destination !== null) return request.destination.includes(hostname);
    if (request.pattern !== null && request.matcher !== null) return nodeMatches(hostname, request.pattern, request.matcher);
    return true;
  }
}
