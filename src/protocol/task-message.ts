/**
 * A decoded Celery task message (protocol v2), camelCase. `protocol/task-codec.ts` converts it to
 * and from a {@link TransportMessage}. Field meanings: `../shared/celery-protocol.md` §1.
 */
import type { SignatureDict } from './signature-dict.js';

/** The third element of the v2 body: what to run after this task (canvas). */
export interface TaskEmbed {
  callbacks: SignatureDict[] | null;
  errbacks: SignatureDict[] | null;
  /** Remaining chain links in reverse execution order (Celery pops the last). */
  chain: SignatureDict[] | null;
  chord: SignatureDict | null;
}

export interface TaskMessage {
  id: string;
  /** Registered task name (`headers.task`). */
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  embed: TaskEmbed;
  shadow: string | null;
  /** Absolute ETA as ISO 8601 text exactly as on the wire (`isoformat()`), or null. */
  eta: string | null;
  /** Absolute expiry as ISO 8601 text, or null. */
  expires: string | null;
  group: string | null;
  groupIndex: number | null;
  retries: number;
  /** `[hard, soft]` time limits in seconds (Celery's wire unit), null when unset. */
  timelimit: [number | null, number | null];
  rootId: string;
  parentId: string | null;
  argsrepr: string;
  kwargsrepr: string;
  /** `gen<pid>@<hostname>` of the sender. */
  origin: string;
  ignoreResult: boolean;
  /**
   * Headers beyond Celery's standard set (custom `headers=`, `redelivered`...), merged after the
   * standard ones on encode. `compression` is not kept: it describes the encoded body, so the
   * encoder writes it from its own `compression` option.
   */
  extraHeaders: Record<string, unknown>;
  /**
   * Properties beyond `correlation_id`, `reply_to`, `delivery_mode`, `priority`: the AMQP
   * `expiration` TTL (milliseconds as decimal text, computed by the producer at send time) and
   * what Celery leaks there (`argsrepr`, `replaced_task_nesting`... — celery-protocol.md §1.2).
   * Kept so a decoded message re-encodes to the same properties.
   */
  extraProperties?: Record<string, unknown>;
  /** = task id in Celery's messages. */
  correlationId: string;
  replyTo: string | null;
  priority: number | null;
  /** Content type of the body as sent. */
  contentType: string;
}
