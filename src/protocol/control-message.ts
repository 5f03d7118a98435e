/**
 * Celery's remote-control messages (kombu `pidbox.Mailbox._publish` / `_publish_reply`,
 * celery-protocol.md §9): a request is a JSON object `{method, arguments, destination, pattern,
 * matcher}` plus `ticket` and `reply_to` when a reply is wanted, with headers `{clock, expires}`
 * (`expires` in unix seconds, 0 for none) and delivery mode 2; a reply is `{<node name>: value}`
 * with headers `{ticket, clock}` and delivery mode 1. Only JSON is read and written (kombu's
 * mailbox default; Celery passes `accept_content`, which is JSON unless changed).
 */
import { DecodeError } from '../errors.js';
import { decodeJson, encodeJson } from './celery-json.js';
import type { TransportMessage } from './transport-message.js';

/** Where a reply goes: the reply exchange and the client's routing key (its oid). */
export interface ControlReplyTo {
  exchange: string;
  routingKey: string;
}

/** One remote-control command, decoded. */
export interface ControlRequest {
  /** The command (`revoke`, `ping`, ...). */
  method: string;
  /** Its keyword arguments, Celery's names (`task_id`, `terminate`, `signal`). */
  arguments: Record<string, unknown>;
  /** Node names that should act on it; null: every node. */
  destination: string[] | null;
  /** With `matcher` (`glob`, `pcre`), a pattern node names are matched against. */
  pattern: string | null;
  matcher: string | null;
  /** Set when the sender collects replies. */
  ticket?: string;
  replyTo?: ControlReplyTo;
}

const JSON_TYPE = 'application/json';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonMessage(body: unknown, headers: Record<string, unknown>, deliveryMode: number): TransportMessage {
  return {
    body: Buffer.from(encodeJson(body), 'utf8'),
    contentType: JSON_TYPE,
    contentEncoding: 'utf-8',
    headers,
    properties: { delivery_mode: deliveryMode },
  };
}

/**
 * A request as kombu's mailbox publishes it.
 * @param clock the sender's Lamport clock value.
 * @param expiresAtMs when repliers should stop answering (ms since the epoch), or null.
 */
export function encodeControlRequest(request: ControlRequest, clock: number, expiresAtMs: number | null): TransportMessage {
  const body: Record<string, unknown> = {
    method: request.method,
    arguments: request.arguments,
    destination: request.destination,
    pattern: request.pattern,
    matcher: request.matcher,
  };
  if (request.ticket !== undefined && request.replyTo !== undefined) {
    body.ticket = request.ticket;
    body.reply_to = { exchange: request.replyTo.exchange, routing_key: request.replyTo.routingKey };
  }
  return jsonMessage(body, { clock, expires: expiresAtMs === null ? 0 : expiresAtMs / 1000 }, 2);
}

/**
 * Reads a request (from Python Celery or celeriac).
 * @throws DecodeError for a content type other than JSON or a body without a string `method`.
 */
export function decodeControlRequest(message: TransportMessage): ControlRequest {
  if (message.contentType !== JSON_TYPE) {
    throw new DecodeError(`remote-control message in '${message.contentType}': only ${JSON_TYPE} is accepted`);
  }
  const body = decodeJson(message.body);
  if (!isRecord(body) || typeof body.method !== 'string') throw new DecodeError('remote-control message without a method');
  const destination = Array.isArray(body.destination) ? body.destination.map(String) : null;
  const request: ControlRequest = {
    method: body.method,
    arguments: isRecord(body.arguments) ? body.arguments : {},
    destination: destination !== null && destination.length > 0 ? destination : null,
    pattern: typeof body.pattern === 'string' ? body.pattern : null,
    matcher: typeof body.matcher === 'string' ? body.matcher : null,
  };
  const replyTo = body.reply_to;
  if (typeof body.ticket === 'string' && isRecord(replyTo) && typeof replyTo.exchange === 'string' && typeof replyTo.routing_key === 'string') {
    request.ticket = body.ticket;
    request.replyTo = { exchange: replyTo.exchange, routingKey: replyTo.routing_key };
  }
  return request;
}

/** The `clock` header of a control message (0 when absent), for Lamport clock adjustment. */
export function controlClock(message: TransportMessage): number {
  const clock = message.headers.clock;
  return typeof clock === 'number' && Number.isFinite(clock) ? clock : 0;
}

/** A node's reply: `{<node name>: value}` with the request's ticket. */
export function encodeControlReply(nodename: string, value: unknown, ticket: string, clock: number): TransportMessage {
  return jsonMessage({ [nodename]: value }, { ticket, clock }, 1);
}
