// Routing end to end on each embedded transport and Redis: task_queues with topic and fanout
// exchanges, task_routes choosing routing keys, workers consuming by -Q, and
// task_create_missing_queues off.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Celery, Worker } from 'celeriac';
import { silentLogger } from '../../src/internal/logger.js';
import { appBrokers } from '../support/app-brokers.js';

const dir = mkdtempSync(join(tmpdir(), 'celeriac-routing-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const brokers = await appBrokers(dir);

/** Resolves with the node name of the worker that finished `id`. */
function ranBy(workers: Worker[], id: string): Promise<string> {
  return new Promise((resolve) => {
    for (const worker of workers) {
      worker.on('task-done', (taskId) => {
        if (taskId === id) resolve(worker.hostname);
      });
    }
  });
}

for (const [name, broker] of brokers) {
  describe(`routing: ${name}`, () => {
    test('a topic queue gets what task_routes sends with a matching routing key; the default queue the rest', { timeout: 30_000 }, async () => {
      const { settings: brokerSettings, cleanup } = broker();
      const app = new Celery(
        'routing',
        {
          ...brokerSettings,
          task_queues: [
            { name: 'default' },
            { name: 'math', exchange: 'mathx', exchange_type: 'topic', routing_key: 'math.#' },
          ],
          task_default_queue: 'default',
          task_routes: { 'tasks.mul': { queue: 'math', routing_key: 'math.mul' } },
        },
        { logger: silentLogger() },
      );
      app.task('tasks.mul', (x: number, y: number) => x * y);
      app.task('tasks.add', (x: number, y: number) => x + y);
      const mathWorker = new Worker(app, { queues: ['math'], concurrency: 1, hostname: 'math@test' });
      const defaultWorker = new Worker(app, { queues: ['default'], concurrency: 1, hostname: 'default@test' });
      try {
        await mathWorker.start();
        await defaultWorker.start();
        // Listening before sending: a worker in this process may finish before sendTask returns.
        const mul = randomUUID();
        const mulRanBy = ranBy([mathWorker, defaultWorker], mul);
        await app.sendTask('tasks.mul', [2, 3], {}, { taskId: mul });
        assert.equal(await mulRanBy, 'math@test');
        const add = randomUUID();
        const addRanBy = ranBy([mathWorker, defaultWorker], add);
        await app.sendTask('tasks.add', [2, 3], {}, { taskId: add });
        assert.equal(await addRanBy, 'default@test');
      } finally {
        await mathWorker.stop();
        await defaultWorker.stop();
        await app.close();
        await cleanup?.();
      }
    });

    test('a fanout queue: every worker consuming its own bound queue runs the broadcast task', { timeout: 30_000 }, async () => {
      const { settings: brokerSettings, cleanup } = broker();
      const settings = {
        ...brokerSettings,
        task_queues: [
          { name: 'bcast.a', exchange: 'broadcast_tasks', exchange_type: 'fanout' },
          { name: 'bcast.b', exchange: 'broadcast_tasks', exchange_type: 'fanout' },
        ],
        // Published to the queue's exchange with its binding key (task_default_routing_key), as
        // Celery does; on Redis that names the channel both workers subscribe to.
        task_routes: { 'tasks.refresh': { queue: 'bcast.a' } },
      };
      // Two apps: on Redis a fanout queue is a subscription of the process that declared it.
      const appA = new Celery('a', settings, { logger: silentLogger() });
      const appB = new Celery('b', settings, { logger: silentLogger() });
      const seen: string[] = [];
      for (const app of [appA, appB]) app.task('tasks.refresh', () => void seen.push(app.main));
      const a = new Worker(appA, { queues: ['bcast.a'], concurrency: 1, hostname: 'a@test' });
      const b = new Worker(appB, { queues: ['bcast.b'], concurrency: 1, hostname: 'b@test' });
      try {
        await a.start();
        await b.start();
        const sent = randomUUID();
        // One memory transport per app: appB's broker is its own, so only `a` gets it there.
        const ran = Promise.all(name === 'memory' ? [ranBy([a], sent)] : [ranBy([a], sent), ranBy([b], sent)]);
        await appA.sendTask('tasks.refresh', [], {}, { taskId: sent });
        await ran;
        assert.ok(seen.includes('a'));
      } finally {
        await a.stop();
        await b.stop();
        await appA.close();
        await appB.close();
        await cleanup?.();
      }
    });
  });
}

test('with task_create_missing_queues off, an unknown queue is an error for senders and for -Q', async () => {
  const app = new Celery('strict', { broker_url: 'memory://', task_create_missing_queues: false, task_queues: ['known'] }, { logger: silentLogger() });
  try {
    await assert.rejects(app.sendTask('t', [], {}, { queue: 'unknown' }), { code: 'QUEUE_NOT_FOUND' });
    await assert.rejects(new Worker(app, { queues: ['unknown'] }).start(), { code: 'QUEUE_NOT_FOUND' });
    const worker = new Worker(app);
    assert.deepEqual(worker.queues, ['known']);
  } finally {
    await app.close();
  }
});
