/**
 * Where a task message goes, decided as Celery does (`celery/app/routes.py` `Router.route` then
 * `celery/app/amqp.py` `send_task_message`): the first `task_routes` router that answers gives a
 * route, and the call's options (and the task's own `queue`) override it field by field; with no
 * route and no queue the task goes to `task_default_queue`. The queue's declaration (from
 * `task_queues`, or created as a missing queue) supplies the exchange type; a direct queue with
 * no explicit exchange *and* routing key is published through the anonymous exchange with the
 * queue's name, as Celery does, while topic and fanout queues are published to their exchange
 * with the routing key of the call, the route or the queue binding.
 */
import type { ExchangeType, PublishRoute } from '../transports/transport.js';
import type { Config } from './config/config.js';
import { QueueRegistry, type ResolvedQueue } from './queue-registry.js';
import { compileRoutes, type RouteResolver } from './router.js';

/** The routing fields of a call (`applyAsync` options merged over the task's defaults). */
export interface RoutingOptions {
  queue?: string;
  exchange?: string;
  exchangeType?: string;
  routingKey?: string;
  priority?: number;
}

/** The outcome: the queue to declare (if any), where to publish, and a route's priority. */
export interface RoutingDecision {
  /** Declared before publishing (Celery's `declare=[queue]`); absent for an exchange-only route. */
  queue: ResolvedQueue | undefined;
  publish: PublishRoute;
  /** Exchange type to declare when publishing to an exchange that no queue here declares. */
  exchangeType: ExchangeType;
  priority: number | undefined;
}

function defined<T extends object>(values: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key in values) if (values[key] !== undefined) out[key] = values[key];
  return out;
}

export class TaskRouting {
  /** Decisions for sends that name only a queue (or nothing) and that no route matched, by queue name. */
  private readonly byQueue = new Map<string, RoutingDecision>();

  constructor(
    readonly queues: QueueRegistry,
    private readonly resolve: RouteResolver,
    private readonly defaults: { queue: string; exchange: string; routingKey: string },
  ) {}

  /**
   * @throws CeleriacError `QUEUE_NOT_FOUND` when the chosen queue is not in `task_queues` and
   *   `task_create_missing_queues` is off.
   */
  route(name: string, args: unknown[], kwargs: Record<string, unknown>, options: RoutingOptions): RoutingDecision {
    const given = defined(options);
    const route = this.resolve(name, args, kwargs, given);
    if (route === undefined && given.exchange === undefined && given.exchangeType === undefined && given.routingKey === undefined && given.priority === undefined) {
      // The usual send names at most a queue: the same decision every time, made once.
      const queueName = given.queue ?? this.defaults.queue;
      let decision = this.byQueue.get(queueName);
      if (decision === undefined) {
        decision = this.decide({ queue: queueName });
        Object.freeze(decision.publish);
        this.byQueue.set(queueName, Object.freeze(decision));
      }
      return decision;
    }
    let merged: RoutingOptions;
    if (route !== undefined) {
      merged = { ...defined({ queue: route.queue, exchange: route.exchange, exchangeType: route.exchangeType, routingKey: route.routingKey }), ...given };
      if (given.priority === undefined && typeof route.priority === 'number') merged.priority = route.priority;
    } else {
      merged = given.queue === undefined ? { queue: this.defaults.queue, ...given } : given;
    }
    return this.decide(merged);
  }

  /** Where the merged options send a message. */
  private decide(merged: RoutingOptions): RoutingDecision {
    let queue: ResolvedQueue | undefined;
    if (merged.queue !== undefined) queue = this.queues.get(merged.queue);
    else if (merged.exchange === undefined) queue = this.queues.get(this.defaults.queue);
    const type = (merged.exchangeType ?? queue?.exchangeType ?? 'direct') as ExchangeType;
    let publish: PublishRoute;
    if ((!merged.exchange || !merged.routingKey) && type === 'direct') {
      publish = { exchange: '', routingKey: queue?.name ?? '' };
    } else if (merged.exchange === undefined) {
      publish = {
        exchange: queue?.exchange || this.defaults.exchange,
        routingKey: merged.routingKey || queue?.routingKey || this.defaults.routingKey,
      };
    } else {
      publish = { exchange: merged.exchange, routingKey: merged.routingKey ?? '' };
    }
    return { queue, publish, exchangeType: type, priority: merged.priority };
  }
}

/**
 * The app's routing from its configuration.
 * @throws CeleriacError `CONFIG_INVALID` for an exchange type other than direct, topic, fanout.
 */
export function createTaskRouting(conf: Config): TaskRouting {
  return new TaskRouting(new QueueRegistry(conf), compileRoutes(conf.taskRoutes), {
    queue: conf.taskDefaultQueue,
    exchange: conf.taskDefaultExchange,
    routingKey: conf.taskDefaultRoutingKey,
  });
}
