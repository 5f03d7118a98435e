import { CeleriacError } from '../../errors.js';
import type { TransportMessage } from '../../protocol/transport-message.js';
import { messagePriority } from '../virtual/message-priority.js';
import type { MessageRecord } from './message-store.js';

/**
 * Serializes a message for its row: headers and properties as JSON text (key order kept), the
 * body as a BLOB. Done when publishing, so a message that cannot be stored fails only its own
 * publish, not the batch it would have joined.
 *
 * @throws CeleriacError `ENCODE_ERROR` when the body is not bytes or headers/properties are not
 *   JSON-serializable objects (e.g. they hold a BigInt or a cycle).
 */
export function toMessageRecord(
  message: TransportMessage,
  exchange: string,
  routingKey: string,
): MessageRecord {
  if (!(message.body instanceof Uint8Array)) {
    throw new CeleriacError('ENCODE_ERROR', 'sqlite transport: message body must be a Buffer');
  }
  let headersJson: string | undefined;
  let propertiesJson: string | undefined;
  try {
    headersJson = JSON.stringify(message.headers);
    propertiesJson = JSON.stringify(message.properties);
  } catch (cause) {
    throw new CeleriacError(
      'ENCODE_ERROR',
      `sqlite transport: message headers/properties are not JSON-serializable: ${String(cause)}`,
      { cause },
    );
  }
  if (headersJson === undefined || propertiesJson === undefined) {
    throw new CeleriacError(
      'ENCODE_ERROR',
      'sqlite transport: message headers and properties must be objects',
    );
  }
  return {
    priority: messagePriority(message.properties),
    exchange,
    routingKey,
    contentType: message.contentType,
    contentEncoding: message.contentEncoding,
    headersJson,
    propertiesJson,
    body: message.body,
  };
}
