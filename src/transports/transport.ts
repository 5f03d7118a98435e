/**
 * The transport seam: how messages move between producers and workers (kombu's Transport /
 * Channel, reduced to what celeriac needs). Implementations: `memory/`, `sqlite/` (the embedded
 * default); `redis/` and `amqp/` come later. Every implementation passes
 * `test/conformance/transport.conformance.ts`.
 *
 * Semantics (mirroring AMQP as kombu emulates it):
 * - A message published to a queue is delivered to exactly one consumer.
 * - A delivered message is *unacked* until `ack()`; `reject({ requeue: true })` puts it back,
 *   `reject({ requeue: false })` drops it. An unacked message whose consumer dies or whose
 *   visibility timeout passes is delivered again with `redelivered = true`.
 * - At most `prefetch` messages are unacked per consumer at once (QoS).
 * - Lower priority *number* is served first within a queue (kombu's Redis convention:
 *   priority 0 before 9); equal priorities are FIFO. A requeued message keeps its place
 *   (AMQP's basic.reject), so it is served before newer messages of its priority — unlike
 *   kombu's Redis transport, which pushes a rejected message to the back.
 * - Every operation but `start`/`stop` needs a started transport: before `start()` or after
 *   `stop()` they reject with `CeleriacError('TRANSPORT_CLOSED')`. So do `ack`/`reject` of a
 *   delivery made before the last `stop()` — `stop()` already gave that message back.
 * - Transports do not copy messages: a published message (its body Buffer, headers and
 *   properties) must not be mutated afterwards, and deliveries must be treated as read-only.
 */
import type { BackoffPolicy } from '../internal/retry.js';
import type { TransportMessage } from '../protocol/transport-message.js';
import type { RevocationStore } from './revocation-store.js';

/** Where transports report what they drop or survive (unroutable messages, failed writes). */
export interface TransportLogger {
  warn(message: string): void;
}

/** What a transport can do; callers branch on these, never on the class (DESIGN.md). */
export interface TransportCapabilities {
  /** Survives a process restart. */
  durable: boolean;
  /** Several processes can share it (one host for sqlite, many for Redis/AMQP). */
  crossProcess: boolean;
  /** Honours message priority. */
  priority: boolean;
  /** Routes fanout exchanges (events, remote control broadcasts). */
  fanout: boolean;
  /** Can hold a message until a due time itself (no need to keep ETA tasks unacked). */
  nativeDelay: boolean;
}

/**
 * kombu's exchange types: `direct` (binding key = routing key), `topic` (binding keys are
 * word patterns, `*` one word, `#` any run, kombu's regex reading) and `fanout` (every bound
 * queue). On Redis a fanout exchange is PUB/SUB, as in kombu: only consumers subscribed at
 * publish time receive the message.
 */
export type ExchangeType = 'direct' | 'topic' | 'fanout';

/** A queue and, optionally, the exchange binding that feeds it. */
export interface QueueSpec {
  name: string;
  /** Exchange to bind to; default: none (only the anonymous exchange `''` reaches it). */
  exchange?: string;
  /** Type of `exchange` when this declares it; default `'direct'`. */
  exchangeType?: ExchangeType;
  /** Binding key on `exchange`; defaults to the queue name. */
  routingKey?: string;
}

/** Where a message is published: Celery's exchange + routing key. */
export interface PublishRoute {
  /** `''` (the anonymous exchange: routing key = queue name) or a declared exchange. */
  exchange: string;
  routingKey: string;
}

/**
 * How a publish may end, for transports that can resolve `publish()` before the broker
 * confirmed the message (the Redis transport with `confirm_publish` false). Others ignore it.
 */
export interface PublishOptions {
  /**
   * Re-sending a message whose connection was lost before the broker confirmed it, as Celery's
   * `retry_policy` (ms); null: never (it fails with the connection). Default: no re-send.
   */
  retryPolicy?: BackoffPolicy | null;
  /**
   * Told about a publish that resolves before the broker confirmed it (`confirm_publish` false):
   * `unconfirmed()` before `publish()` resolves, then `settled()` once the broker stored the
   * message, or `settled(error)` (`TRANSPORT_ERROR`) when it was finally lost — re-sends
   * exhausted, or refused by the broker.
   */
  tracker?: UnconfirmedPublish;
}

/** One publish followed past its unconfirmed resolution (see {@link PublishOptions.tracker}). */
export interface UnconfirmedPublish {
  /** The publish is about to resolve without the broker's confirmation. */
  unconfirmed(): void;
  /** The broker stored the message (no `error`), or it was finally lost (`error`, `TRANSPORT_ERROR`). */
  settled(error?: Error): void;
}

/** One delivered message, held unacked until `ack` or `reject`. */
export interface Delivery {
  readonly message: TransportMessage;
  /** The queue it was taken from. */
  readonly queue: string;
  /** Unique per delivery; stable across redeliveries of the same stored message where possible. */
  readonly deliveryTag: string;
  readonly redelivered: boolean;
  readonly exchange: string;
  readonly routingKey: string;
  /**
   * Acknowledge: the message is gone for good. Transports may batch acks; the promise settles
   * when this ack is durable. Calling ack/reject twice is a no-op. If the ack cannot be stored
   * the promise rejects and the message stays unacked: it is delivered again after `stop()`,
   * a consumer death or the visibility timeout (at-least-once).
   */
  ack(): Promise<void>;
  /**
   * Give the message back (`requeue: true`, delivered again, `redelivered` set) or drop it.
   * Dropping with a `deadLetterReason` keeps the message as a dead letter instead, atomically
   * (AMQP's reject to a dead-letter exchange); the reason is ignored when requeueing.
   */
  reject(options: { requeue: boolean; deadLetterReason?: string }): Promise<void>;
  /**
   * Whether this delivery takes one of its consumer's prefetch slots (it does from delivery
   * until settled). A consumer that keeps a message unacked for later (an ETA task) passes
   * `false`, so the slot serves the next message meanwhile; `true` takes a slot again when the
   * message goes to work, overfilling the window by one until a settle brings it back. This is
   * Celery's QoS move for ETA tasks (`qos.increment_eventually` while held,
   * `decrement_eventually` when handed to the pool). Nothing else changes: the message stays
   * unacked and restorable, and a settle frees a slot only if the delivery holds one. A no-op
   * once settled, when repeating the current value, and where deliveries never count (Redis
   * fanout queues).
   */
  countTowardPrefetch(counts: boolean): void;
  /**
   * Present on deliveries that may arrive undecoded (a consumer that set
   * {@link ConsumeOptions.deferDecode}, on a transport that defers): decodes the stored message
   * now and returns true, or returns false when it is unreadable — the transport then keeps it as
   * a dead letter, with the reason it would have given on arrival, and the delivery is settled:
   * drop it. Reading `message` (or `redelivered`, `exchange`, `routingKey`) opens it too, and
   * throws `DECODE_ERROR` for an unreadable one. Opening again returns true at once.
   */
  open?(): boolean;
}

export interface ConsumeOptions {
  /** Queues to take from, in the order given (round-robin among them, kombu's default). */
  queues: string[];
  /** Maximum unacked deliveries at once for this consumer (QoS); `0` means unlimited. */
  prefetch: number;
  /**
   * Aborting stops deliveries; unacked ones stay unacked until acked/rejected. An already
   * aborted signal makes `consume` a no-op.
   */
  signal: AbortSignal;
  /** Called for each delivery; must not throw (errors are the caller's to handle). */
  onMessage(delivery: Delivery): void;
  /**
   * The consumer calls `delivery.open()` before it reads a delivery, so the transport may hand
   * deliveries out undecoded (the Redis transport does): a prefetched message then stays its
   * stored text until the consumer starts on it, which costs the garbage collector far less than
   * keeping its decoded form across collections. Settling an unopened delivery works as usual (a
   * requeue decodes it first). Default false.
   */
  deferDecode?: boolean;
}

/** A message that could not be processed, kept for inspection (`celeriac dead list`). */
export interface DeadLetter {
  /** Transport-assigned id, used by `requeueDeadLetters`. */
  id: string;
  /** The queue the message was taken from (and goes back to on requeue). */
  queue: string;
  /** Why it was dead-lettered, one line. */
  reason: string;
  /** When, in ms since the epoch. */
  diedAtMs: number;
  message: TransportMessage;
}

export interface Transport {
  readonly capabilities: TransportCapabilities;
  /**
   * Revoked task ids kept in the broker (see `revocation-store.ts`); absent on transports that
   * cannot keep them, where revocations live only in the workers' memory, as in Celery.
   */
  readonly revocations?: RevocationStore;
  /** Connect / open storage. Idempotent. */
  start(): Promise<void>;
  /**
   * Flush pending publishes and acks, end every consumer and close. Unacked deliveries are
   * returned to their queues (kombu's warm-shutdown restore). Idempotent; `start()` may follow.
   */
  stop(): Promise<void>;
  /**
   * Create the queue (and its exchange and binding) if missing. Idempotent. An exchange keeps
   * the type it was first declared with.
   */
  declareQueue(queue: QueueSpec): Promise<void>;
  /**
   * Declare an exchange without binding a queue (a producer that publishes to a topic or fanout
   * exchange must, so the transport knows how to route it — kombu's `maybe_declare`). Idempotent.
   */
  declareExchange(exchange: string, type: ExchangeType): Promise<void>;
  /**
   * Publish one message. With exchange `''` the routing key names the queue (created if
   * missing, as Celery's `task_create_missing_queues`); with a named exchange the message goes to
   * every queue bound with that routing key, and is dropped with a warning if none is
   * (kombu's behaviour). Resolves once the message is stored — committed, on durable transports —
   * unless the transport is set not to wait for that (see {@link PublishOptions.tracker}).
   */
  publish(message: TransportMessage, route: PublishRoute, options?: PublishOptions): Promise<void>;
  /**
   * Start delivering; resolves once consuming has begun. Stop it with `options.signal`.
   * @throws CeleriacError `USAGE` for no queues or a negative/non-integer prefetch.
   */
  consume(options: ConsumeOptions): Promise<void>;
  /** Remove every ready (not unacked) message of the queue; returns how many. */
  purge(queue: string): Promise<number>;
  /** Ready messages in the queue. */
  size(queue: string): Promise<number>;
  /** Keep a message that cannot be processed, with the reason. */
  deadLetter(message: TransportMessage, queue: string, reason: string): Promise<void>;
  /** Dead letters, oldest first. */
  listDeadLetters(options?: { limit?: number }): Promise<DeadLetter[]>;
  /** Put dead letters back on their queues (all, or those ids); returns how many. */
  requeueDeadLetters(ids?: string[]): Promise<number>;
  /**
   * Take the token of a rate limit shared by every worker of this broker (a capacity-1 token
   * bucket named `key`, one token per `intervalMs`). Present only on transports that can share
   * one (Redis; sqlite, in the shared file; memory, within the process); workers on others
   * limit each on their own.
   * @returns 0 when the token was taken, else the ms until it is due (nothing taken).
   */
  takeRateToken?(key: string, intervalMs: number): Promise<number>;
}
