/**
 * The unit a transport moves: kombu's message (body bytes + content type/encoding + headers +
 * properties). Transports treat headers and properties as opaque wire data, except `priority`.
 * Property and header names keep Celery's wire spelling (`correlation_id`, `reply_to`), since this
 * is the wire layer (DESIGN.md convention 3).
 */
export interface WireProperties {
  correlation_id?: string;
  reply_to?: string;
  /** 2 = persistent (Celery's default for tasks), 1 = transient (events, replies). */
  delivery_mode?: number;
  /** 0..9 on Redis/embedded (lower number served first on Redis, as kombu), 0..255 on AMQP. */
  priority?: number;
  /** Per-message TTL in milliseconds as a decimal string (AMQP `expiration`). */
  expiration?: string;
  /** Anything else a producer leaked into properties (Celery does; see celery-protocol.md §1.2). */
  [extra: string]: unknown;
}

export interface TransportMessage {
  /** The serialized (and possibly compressed) payload. */
  body: Buffer;
  /** e.g. `application/json`, `application/x-msgpack`. */
  contentType: string;
  /** e.g. `utf-8`, `binary`. */
  contentEncoding: string;
  /** Application headers (for a task message: Celery's v2 header set, in Celery's order). */
  headers: Record<string, unknown>;
  properties: WireProperties;
}
