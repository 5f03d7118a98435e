import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Celery } from './celery.js';
import { CeleriacError } from '../errors.js';
import { silentLogger } from '../internal/logger.js';

afterEach(() => {
  delete process.env.CELERIAC_BROKER_URL;
  delete process.env.CELERIAC_RESULT_BACKEND;
});

test("Celery's new and old setting names reach the same typed config", () => {
  const app = new Celery('t', { BROKER_URL: 'memory://', CELERY_TASK_RESULT_EXPIRES: 60, worker_prefetch_multiplier: 2 });
  assert.equal(app.conf.brokerUrl, 'memory://');
  assert.equal(app.conf.resultExpiresMs, 60_000);
  assert.equal(app.conf.workerPrefetchMultiplier, 2);
  app.conf.update({ task_default_queue: 'q1' });
  assert.equal(app.conf.taskDefaultQueue, 'q1');
});

test('configFromObject takes an object or a settings module', async () => {
  const app = new Celery('t', {}, { logger: silentLogger() });
  app.configFromObject({ task_acks_late: true });
  assert.equal(app.conf.taskAcksLate, true);
  await app.configFromObject('./test/fixtures/config/celeryconfig.ts');
  assert.equal(app.conf.workerConcurrency, 5);
});

test('environment variables override the broker and backend the code set', () => {
  process.env.CELERIAC_BROKER_URL = 'memory://';
  process.env.CELERIAC_RESULT_BACKEND = 'disabled';
  const app = new Celery('t', { broker_url: 'sqlite:///x.db', result_backend: 'sqlite:///x.db' }, { logger: silentLogger() });
  assert.equal(app.brokerUrl(), 'memory://');
  assert.equal(app.resultBackendUrl(), null);
});

test('with no broker configured the embedded sqlite broker is used, keeping results too', () => {
  const app = new Celery('t', {}, { logger: silentLogger() });
  assert.equal(app.brokerUrl(), 'sqlite:///celeriac.db');
  assert.equal(app.resultBackendUrl(), 'sqlite:///celeriac.db');
});

test('a task name can be registered once; tasks need names', () => {
  const app = new Celery('t', { broker_url: 'memory://' }, { logger: silentLogger() });
  const add = app.task('tasks.add', (x: number, y: number) => x + y);
  assert.equal(add.name, 'tasks.add');
  assert.throws(() => app.task('tasks.add', () => 1), (e: unknown) => e instanceof CeleriacError && e.code === 'DUPLICATE_TASK');
  assert.throws(() => app.task({ name: '' }, () => 1), /needs a name/);
});

test("a started backend expects a task's result before the task's message is published", async () => {
  // On Redis the expectation's SUBSCRIBE must be queued before the LPUSH, which the producer
  // reaches synchronously once the transport is up: the result can then not be published unheard.
  const app = new Celery('t', { broker_url: 'memory://' }, { logger: silentLogger() });
  const noop = app.task('t.noop', () => null);
  try {
    await noop.delay(); // transport and backend up
    const backend = (await app.backend())!;
    const transport = await app.transport();
    const order: string[] = [];
    backend.expectResult = (taskId) => order.push(`expect ${taskId}`);
    const publish = transport.publish.bind(transport);
    transport.publish = (message, route, options) => {
      order.push(`publish ${String(message.headers.id)}`);
      return publish(message, route, options);
    };
    const { id } = await noop.delay();
    assert.deepEqual(order, [`expect ${id}`, `publish ${id}`]);
  } finally {
    await app.close();
  }
});
