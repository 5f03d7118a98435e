/**
 * `task_queues`: the queues a worker consumes from and declares. In Python these are kombu
 * `Queue` objects; here each is a queue name or an object with kombu's `Queue` arguments
 * (snake_case, seconds) or their camelCase forms (ms). Celery 3's map form
 * (`{ name: { exchange, routing_key } }`) is read too.
 */
import { bool, choice, duration, int, record, text } from './codecs.js';
import { readFields, type FieldTable } from './field-reader.js';
import { describeValue, invalid, isPlainObject, type Codec } from './setting-spec.js';

/** One queue declaration, kombu `Queue`'s arguments in camelCase with durations in ms. */
export interface QueueDeclaration {
  readonly name: string;
  /** Exchange the queue binds to; absent means the app's default (`task_default_exchange`). */
  readonly exchange?: string;
  readonly exchangeType?: 'direct' | 'topic' | 'fanout' | 'headers';
  /** Binding key; absent means the queue's name, as in kombu. */
  readonly routingKey?: string;
  readonly durable?: boolean;
  readonly exclusive?: boolean;
  readonly autoDelete?: boolean;
  readonly noAck?: boolean;
  /** `x-max-priority`: enables message priorities 0..maxPriority on this queue. */
  readonly maxPriority?: number;
  /** `x-message-ttl`. */
  readonly messageTtlMs?: number;
  /** `x-expires`: delete the queue after it is unused this long. */
  readonly expiresMs?: number;
  readonly maxLength?: number;
  readonly maxLengthBytes?: number;
  readonly queueArguments?: Readonly<Record<string, unknown>>;
  readonly bindingArguments?: Readonly<Record<string, unknown>>;
  readonly consumerArguments?: Readonly<Record<string, unknown>>;
}

/** A queue name, or a declaration (snake_case or camelCase fields). */
export type QueueDeclarationInput = string | (Partial<QueueDeclaration> & Readonly<Record<string, unknown>>);

const FIELDS: FieldTable = Object.freeze({
  name: { key: 'name', codec: text({ nonEmpty: true }) },
  exchange: { key: 'exchange', codec: text() },
  exchange_type: { key: 'exchangeType', codec: choice(['direct', 'topic', 'fanout', 'headers']) },
  routing_key: { key: 'routingKey', codec: text() },
  durable: { key: 'durable', codec: bool() },
  exclusive: { key: 'exclusive', codec: bool() },
  auto_delete: { key: 'autoDelete', codec: bool() },
  no_ack: { key: 'noAck', codec: bool() },
  max_priority: { key: 'maxPriority', codec: int({ min: 1, max: 255 }) },
  message_ttl: { key: 'messageTtlMs', codec: duration() },
  expires: { key: 'expiresMs', codec: duration() },
  max_length: { key: 'maxLength', codec: int({ min: 0 }) },
  max_length_bytes: { key: 'maxLengthBytes', codec: int({ min: 0 }) },
  queue_arguments: { key: 'queueArguments', codec: record() },
  binding_arguments: { key: 'bindingArguments', codec: record() },
  consumer_arguments: { key: 'consumerArguments', codec: record() },
});

function readQueue(value: unknown, name: string, implicitName?: string): QueueDeclaration {
  if (typeof value === 'string' && implicitName === undefined) {
    if (value === '') invalid(name, 'an empty queue name');
    return Object.freeze({ name: value });
  }
  if (!isPlainObject(value)) invalid(name, `expected a queue name or a queue object, got ${describeValue(value)}`);
  const fields = readFields(implicitName === undefined ? value : { name: implicitName, ...value }, name, FIELDS);
  if (typeof fields.name !== 'string') invalid(name, "a queue needs a 'name'");
  return Object.freeze(fields) as unknown as QueueDeclaration;
}

/** `task_queues` → `readonly QueueDeclaration[] | null` (null: only the default queue, created on demand). */
export function taskQueues(): Codec<readonly QueueDeclaration[] | null, readonly QueueDeclarationInput[] | null> {
  const read = (value: unknown, name: string): readonly QueueDeclaration[] | null => {
    if (value === null) return null;
    let queues: QueueDeclaration[];
    if (Array.isArray(value) || value instanceof Set) {
      queues = [...(value as Iterable<unknown>)].map((item, i) => readQueue(item, `${name}[${i}]`));
    } else if (isPlainObject(value)) {
      queues = Object.entries(value).map(([queue, options]) => readQueue(options ?? {}, `${name}.${queue}`, queue));
    } else {
      return invalid(name, `expected a list of queues, got ${describeValue(value)}`);
    }
    const seen = new Set<string>();
    for (const queue of queues) {
      if (seen.has(queue.name)) invalid(name, `queue '${queue.name}' is declared twice`);
      seen.add(queue.name);
    }
    return Object.freeze(queues);
  };
  return Object.freeze({ type: 'QueueDeclaration[] | null', nullable: true, env: 'json', fromCelery: read, fromCeleriac: read });
}
