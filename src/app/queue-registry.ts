/**
 * The app's queues (Celery's `app.amqp.queues`, a `Queues` mapping): `task_queues` completed with
 * the defaults — a queue without an exchange gets `task_default_exchange` (of
 * `task_default_exchange_type`), one without a routing key gets `task_default_routing_key` —
 * and, when `task_create_missing_queues` is on, any other name on demand as
 * `Queue(name, Exchange(name, 'direct'), name)`.
 */
import { CeleriacError } from '../errors.js';
import type { ExchangeType, QueueSpec } from '../transports/transport.js';
import type { QueueDeclaration } from './config/task-queues-codec.js';

/** A queue with its exchange binding settled. */
export interface ResolvedQueue {
  readonly name: string;
  readonly exchange: string;
  readonly exchangeType: ExchangeType;
  /** Binding key. */
  readonly routingKey: string;
}

/** The settings a {@link QueueRegistry} is built from (camelCase `task_*` settings). */
export interface QueueRegistrySettings {
  taskQueues: readonly QueueDeclaration[] | null;
  taskDefaultQueue: string;
  taskDefaultExchange: string;
  taskDefaultExchangeType: string;
  taskDefaultRoutingKey: string;
  taskCreateMissingQueues: boolean;
}

function exchangeType(type: string, where: string): ExchangeType {
  if (type === 'direct' || type === 'topic' || type === 'fanout') return type;
  throw new CeleriacError(
    'CONFIG_INVALID',
    `${where}: exchange type '${type}' is not supported (direct, topic and fanout are; kombu's virtual transports lack '${type}' too)`,
  );
}

export class QueueRegistry {
  readonly #queues = new Map<string, ResolvedQueue>();
  readonly #createMissing: boolean;
  /** `task_queues` as given, or the default queue alone (Celery's `Queues` with no `task_queues`). */
  readonly declared: readonly ResolvedQueue[];

  /** @throws CeleriacError `CONFIG_INVALID` for a `headers` exchange. */
  constructor(settings: QueueRegistrySettings) {
    this.#createMissing = settings.taskCreateMissingQueues;
    const defaultType = exchangeType(settings.taskDefaultExchangeType, 'task_default_exchange_type');
    const declarations = settings.taskQueues ?? [{ name: settings.taskDefaultQueue }];
    for (const q of declarations) {
      const own = q.exchange !== undefined && q.exchange !== '' ? q.exchange : undefined;
      this.#queues.set(q.name, {
        name: q.name,
        exchange: own ?? settings.taskDefaultExchange,
        exchangeType: own !== undefined && q.exchangeType !== undefined ? exchangeType(q.exchangeType, `task_queues '${q.name}'`) : defaultType,
        routingKey: q.routingKey ? q.routingKey : settings.taskDefaultRoutingKey,
      });
    }
    this.declared = Object.freeze([...this.#queues.values()]);
  }

  /** The queue named so, or undefined when it is not declared (and not created yet). */
  find(name: string): ResolvedQueue | undefined {
    return this.#queues.get(name);
  }

  /**
   * The queue named so; a name not in `task_queues` is created as Celery's missing queue: an
   * exchange of the same name, direct, bound with the name.
   * @throws CeleriacError `QUEUE_NOT_FOUND` for such a name when `task_create_missing_queues` is off
   *   (Celery's `QueueNotFound`).
   */
  get(name: string): ResolvedQueue {
    const known = this.#queues.get(name);
    if (known !== undefined) return known;
    if (!this.#createMissing) {
      throw new CeleriacError('QUEUE_NOT_FOUND', `queue '${name}' is missing from task_queues (and task_create_missing_queues is off)`);
    }
    const created: ResolvedQueue = { name, exchange: name, exchangeType: 'direct', routingKey: name };
    this.#queues.set(name, created);
    return created;
  }

  /** What the transport declares for this queue. */
  static spec(queue: ResolvedQueue): QueueSpec {
    return { name: queue.name, exchange: queue.exchange, exchangeType: queue.exchangeType, routingKey: queue.routingKey };
  }
}
