import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CeleriacError } from '../errors.js';
import { systemClock } from '../internal/clock.js';
import { silentLogger } from '../internal/logger.js';
import { decodeTaskMessage } from '../protocol/task-codec.js';
import { MemoryTransport } from '../transports/memory/memory-transport.js';
import type { Transport } from '../transports/transport.js';
import { Config } from './config/config.js';
import { Producer, type ProducerSettings } from './producer.js';
import { createTaskRouting } from './task-routing.js';

const settings: ProducerSettings = {
  routing: createTaskRouting(new Config({})),
  defaultSerializer: 'json',
  defaultCompression: null,
  replyTo: 'oid',
  clock: systemClock,
  publishRetry: true,
  publishRetryPolicy: { maxRetries: 3, intervalStartMs: 0, intervalStepMs: 1, intervalMaxMs: 1 },
  log: silentLogger(),
};

/** A real memory transport whose first `failures` publishes fail as a dropped connection would. */
async function flakyTransport(failures: number): Promise<{ transport: Transport; attempts: () => number }> {
  const transport = new MemoryTransport();
  await transport.start();
  let attempts = 0;
  const publish = transport.publish.bind(transport);
  transport.publish = async (message, route) => {
    attempts++;
    if (attempts <= failures) throw new CeleriacError('TRANSPORT_ERROR', 'connection lost');
    return publish(message, route);
  };
  return { transport, attempts: () => attempts };
}

test('publishing retries a lost connection per task_publish_retry_policy, then the message is there', async () => {
  const { transport, attempts } = await flakyTransport(2);
  const producer = new Producer(async () => transport, settings);
  const id = await producer.send('tasks.add', [1, 2], {}, {});
  assert.equal(attempts(), 3);
  assert.equal(await transport.size('celery'), 1);
  await transport.stop();
  assert.match(id, /^[0-9a-f-]{36}$/);
});

test('retries run out after maxRetries, and retry: false does not retry at all', async () => {
  const flaky = await flakyTransport(10);
  const producer = new Producer(async () => flaky.transport, settings);
  await assert.rejects(producer.send('tasks.add', [], {}, {}), /connection lost/);
  assert.equal(flaky.attempts(), 4);
  const once = await flakyTransport(10);
  await assert.rejects(new Producer(async () => once.transport, settings).send('tasks.add', [], {}, { retry: false }), /connection lost/);
  assert.equal(once.attempts(), 1);
});

test("the message carries Celery's headers: countdown becomes an absolute eta, expires a TTL", async () => {
  const transport = new MemoryTransport();
  await transport.start();
  const producer = new Producer(async () => transport, settings);
  const before = Date.now();
  const id = await producer.send('tasks.add', [2, 3], {}, { countdown: 10, expires: 60, priority: 5, headers: { custom: 'x' } });
  const delivered = await new Promise<import('../transports/transport.js').Delivery>((resolve) => {
    void transport.consume({ queues: ['celery'], prefetch: 1, signal: new AbortController().signal, onMessage: resolve });
  });
  const m = decodeTaskMessage(delivered.message, { accept: ['json'] });
  assert.equal(m.id, id);
  assert.equal(m.rootId, id);
  assert.equal(m.argsrepr, '(2, 3)');
  assert.ok(Date.parse(m.eta!) >= before + 10_000 - 1);
  assert.equal(delivered.message.properties.expiration !== undefined, true);
  assert.equal(delivered.message.headers.custom, 'x');
  assert.deepEqual(Object.keys(delivered.message.headers).slice(0, 3), ['lang', 'task', 'id']);
  await transport.stop();
});
