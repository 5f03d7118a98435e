import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Config } from './config/config.js';
import { QueueRegistry } from './queue-registry.js';
import { createTaskRouting } from './task-routing.js';

const webhook = 'hackfun#workerQueue@webhook';
const internal = 'hackfun#workerQueue@internal';
const fallback = 'hackfun#workerQueue@default';

/** Seed 000's celeryconfig: named queues with routing keys, glob routes, a default routing key. */
const seed000 = {
  task_default_queue: fallback,
  task_default_routing_key: fallback,
  task_queues: [
    { name: fallback, routing_key: fallback },
    { name: webhook, routing_key: webhook },
    { name: internal, routing_key: internal },
  ],
  task_routes: { 'webhook.*': { queue: webhook }, 'internal.*': { queue: internal } },
};

test('seed 000: globs choose the queues; direct queues publish through the anonymous exchange', () => {
  const routing = createTaskRouting(new Config(seed000));
  const sent = routing.route('webhook.print', [], {}, {});
  assert.deepEqual(sent.publish, { exchange: '', routingKey: webhook });
  // A queue without an exchange binds to task_default_exchange (= the default queue's name).
  assert.deepEqual(QueueRegistry.spec(sent.queue!), { name: webhook, exchange: fallback, exchangeType: 'direct', routingKey: webhook });
  assert.deepEqual(routing.route('internal.print', [], {}, {}).publish, { exchange: '', routingKey: internal });
  assert.deepEqual(routing.route('other.task', [], {}, {}).publish, { exchange: '', routingKey: fallback });
  assert.deepEqual(routing.queues.declared.map((q) => q.name), [fallback, webhook, internal]);
});

test('the call and the task override the route field by field; a route may carry a priority', () => {
  const routing = createTaskRouting(new Config({ task_routes: { 'tasks.*': { queue: 'routed', priority: 7 } } }));
  const byOption = routing.route('tasks.add', [], {}, { queue: 'chosen' });
  assert.deepEqual(byOption.publish, { exchange: '', routingKey: 'chosen' });
  assert.equal(byOption.priority, 7);
  assert.equal(routing.route('tasks.add', [], {}, { priority: 1 }).priority, 1);
});

test('topic queues publish to their exchange with the route, call or binding key (redis-task-queues-config capture)', () => {
  const routing = createTaskRouting(
    new Config({
      task_queues: { celery: { exchange: 'celery', routing_key: 'celery' }, math: { exchange: 'mathx', exchange_type: 'topic', routing_key: 'math.#' } },
      task_routes: { 'tasks.mul': { queue: 'math', routing_key: 'math.mul' } },
    }),
  );
  assert.deepEqual(routing.route('tasks.mul', [], {}, {}).publish, { exchange: 'mathx', routingKey: 'math.mul' });
  assert.deepEqual(routing.route('tasks.add', [], {}, {}).publish, { exchange: '', routingKey: 'celery' });
  assert.deepEqual(routing.route('tasks.div', [], {}, { queue: 'math' }).publish, { exchange: 'mathx', routingKey: 'math.#' });
  assert.deepEqual(routing.route('tasks.div', [], {}, { queue: 'math', routingKey: 'math.div' }).publish, { exchange: 'mathx', routingKey: 'math.div' });
});

test('a direct route with exchange and routing key publishes to that exchange; without the key it goes anonymous', () => {
  const routing = createTaskRouting(new Config({}));
  assert.deepEqual(routing.route('t', [], {}, { exchange: 'ex', routingKey: 'k' }).publish, { exchange: 'ex', routingKey: 'k' });
  // Celery's redis-apply-async-routing-key capture: a routing key alone still lands in `celery`.
  assert.deepEqual(routing.route('t', [], {}, { routingKey: 'some.key' }).publish, { exchange: '', routingKey: 'celery' });
});

test('router functions receive the call options; missing queues are created unless task_create_missing_queues is off', () => {
  const seen: unknown[] = [];
  const routing = createTaskRouting(
    new Config({
      task_routes: (name: string, _args: unknown[], _kwargs: Record<string, unknown>, options?: Record<string, unknown>) => {
        seen.push(options);
        return name === 'fn.task' ? 'fn-queue' : null;
      },
    }),
  );
  const created = routing.route('fn.task', [], {}, { priority: 3 }).queue!;
  assert.deepEqual(QueueRegistry.spec(created), { name: 'fn-queue', exchange: 'fn-queue', exchangeType: 'direct', routingKey: 'fn-queue' });
  assert.deepEqual(seen[0], { priority: 3 });

  const strict = createTaskRouting(new Config({ task_create_missing_queues: false, task_queues: ['only'] }));
  assert.throws(() => strict.route('t', [], {}, { queue: 'elsewhere' }), { code: 'QUEUE_NOT_FOUND' });
  assert.equal(strict.route('t', [], {}, { queue: 'only' }).queue?.name, 'only');
});

test('headers exchanges are refused at configuration time', () => {
  assert.throws(() => createTaskRouting(new Config({ task_queues: [{ name: 'h', exchange: 'hx', exchange_type: 'headers' }] })), {
    code: 'CONFIG_INVALID',
  });
});
