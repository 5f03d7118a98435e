/**
 * kombu's JSON envelope (celery-protocol.md §3.1): how kombu's virtual transports — Redis
 * included — store a message as one string. The Redis and SQLite transports store it byte-for-byte
 * as kombu does, so Python and celeriac can share a queue.
 */
import { DecodeError } from '../errors.js';
import { encodeJson } from './celery-json.js';
import type { TransportMessage, WireProperties } from './transport-message.js';

/** Where a message was published (kombu's `delivery_info`). */
export interface DeliveryInfo {
  exchange: string;
  routingKey: string;
}

export interface DecodedEnvelope {
  /** Properties hold the producer's own (`priority` included), without kombu's bookkeeping. */
  message: TransportMessage;
  deliveryInfo: DeliveryInfo;
  /** kombu's per-publish `uuid()`; '' when absent. */
  deliveryTag: string;
  /** Set by kombu when it restores an unacked message (`delivery_info.redelivered`). */
  redelivered: boolean;
}

/** Envelope properties kombu's channel adds itself; never copied from the message. */
const CHANNEL_PROPERTIES: ReadonlySet<string> = new Set(['priority', 'delivery_info', 'body_encoding', 'delivery_tag']);

/**
 * The envelope text kombu's virtual channel stores (`prepare_message` + `_inplace_augment_message`):
 * keys `body` (base64), `content-encoding`, `content-type`, `headers`, `properties`; properties
 * are the message's own in their order, then `delivery_info`, `priority` (default 0),
 * `body_encoding: 'base64'`, `delivery_tag`. With `redelivered: true` it is the form kombu
 * writes back when restoring an unacked message (`headers.redelivered` and
 * `delivery_info.redelivered` set).
 * @param deliveryTag kombu uses a fresh UUID per publish.
 * @throws EncodeError when a header value cannot be JSON-encoded.
 * @example encodeEnvelope(msg, { exchange: '', routingKey: 'celery' }, randomUUID())
 */
export function encodeEnvelope(
  msg: TransportMessage,
  deliveryInfo: DeliveryInfo & { redelivered?: boolean },
  deliveryTag: string,
): string {
  const source: WireProperties = msg.properties;
  const properties: Record<string, unknown> = {};
  for (const key in source) {
    if (!CHANNEL_PROPERTIES.has(key)) properties[key] = source[key];
  }
  let headers = msg.headers;
  if (deliveryInfo.redelivered === true) {
    headers = { ...headers, redelivered: true };
    properties.delivery_info = { exchange: deliveryInfo.exchange, routing_key: deliveryInfo.routingKey, redelivered: true };
  } else {
    properties.delivery_info = { exchange: deliveryInfo.exchange, routing_key: deliveryInfo.routingKey };
  }
  properties.priority = source.priority ?? 0;
  properties.body_encoding = 'base64';
  properties.delivery_tag = deliveryTag;
  return encodeJson({
    body: msg.body.toString('base64'),
    'content-encoding': msg.contentEncoding,
    'content-type': msg.contentType,
    headers,
    properties,
  });
}

/**
 * Parse an envelope written by kombu or {@link encodeEnvelope}. Tolerant of what kombu tolerates:
 * missing headers/properties/delivery info, and `body_encoding` absent (body stored as text).
 * @throws DecodeError for text that is not a JSON object with a string `body`, or an unknown
 *   `body_encoding`.
 */
export function decodeEnvelope(text: string): DecodedEnvelope {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DecodeError(`envelope is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!isObject(raw)) throw new DecodeError('envelope is not a JSON object');
  const { body, headers, properties } = raw;
  if (typeof body !== 'string') throw new DecodeError("envelope 'body' is not a string");
  const props = isObject(properties) ? properties : {};

  const bodyEncoding = props.body_encoding;
  let bytes: Buffer;
  if (bodyEncoding === 'base64') bytes = Buffer.from(body, 'base64');
  else if (bodyEncoding === undefined || bodyEncoding === null) bytes = Buffer.from(body, 'utf8');
  else throw new DecodeError(`envelope body_encoding ${JSON.stringify(bodyEncoding)} is not supported (base64 is)`);

  const messageProperties: WireProperties = {};
  for (const key in props) {
    if (key !== 'delivery_info' && key !== 'body_encoding' && key !== 'delivery_tag') {
      messageProperties[key] = props[key];
    }
  }
  const info = isObject(props.delivery_info) ? props.delivery_info : {};
  const contentType = raw['content-type'];
  const contentEncoding = raw['content-encoding'];
  const headerObject = isObject(headers) ? headers : {};
  return {
    message: {
      body: bytes,
      contentType: typeof contentType === 'string' ? contentType : '',
      contentEncoding: typeof contentEncoding === 'string' ? contentEncoding : '',
      headers: headerObject,
      properties: messageProperties,
    },
    deliveryInfo: {
      exchange: typeof info.exchange === 'string' ? info.exchange : '',
      routingKey: typeof info.routing_key === 'string' ? info.routing_key : '',
    },
    deliveryTag: typeof props.delivery_tag === 'string' ? props.delivery_tag : '',
    redelivered: info.redelivered === true || headerObject.redelivered === true,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
