/**
 * A Redis worker whose pool slots are all taken keeps the messages it prefetched as stored and
 * decodes each when a slot frees for it (`ConsumeOptions.deferDecode`). Users see what decoding
 * on arrival gave them: every task runs, an unreadable envelope among them becomes a dead letter
 * with the transport's reason, and a warm stop gives the unstarted ones back to the queue.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Celery } from '../../src/app/celery.js';
import { createRedisClient, type RedisClient } from '../../src/connections/redis-connection.js';
import { silentLogger } from '../../src/internal/logger.js';
import { decodeEnvelope } from '../../src/protocol/redis-envelope.js';
import { Worker } from '../../src/worker/worker.js';
import { deleteKeys, redisTestUrl, redisUnavailable, uniqueKeyPrefix } from '../support/redis-test-server.js';

const unavailable = await redisUnavailable();

describe('worker on Redis: prefetched messages decoded when a slot frees', { skip: unavailable, timeout: 30_000 }, () => {
  const prefix = uniqueKeyPrefix();
  let raw: RedisClient;

  before(async () => {
    raw = createRedisClient(redisTestUrl);
    await raw.connect();
  });
  after(async () => {
    raw.disconnect();
    await deleteKeys(redisTestUrl, prefix);
  });

  /** An app whose `blocker` task holds the single slot until `release()`. */
  function setup(queue: string) {
    const app = new Celery(
      'deferred',
      { broker_url: redisTestUrl, result_backend: redisTestUrl, task_default_queue: queue, broker_transport_options: { global_keyprefix: prefix } },
      { logger: silentLogger() },
    );
    let release!: () => void;
    let started!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const blockerStarted = new Promise<void>((resolve) => (started = resolve));
    const blocker = app.task('deferred.blocker', async () => {
      started();
      await blocked;
      return 'unblocked';
    });
    const job = app.task('deferred.job', (i: number) => i * 10);
    const worker = new Worker(app, { concurrency: 1, prefetchMultiplier: 10, logger: silentLogger() });
    return { app, blocker, job, worker, release, blockerStarted };
  }

  test('the tasks behind a busy slot all run; an unreadable envelope among them is a dead letter', async () => {
    const queue = `deferred-run-${Date.now()}`;
    const { app, blocker, job, worker, release, blockerStarted } = setup(queue);
    try {
      const first = await blocker.delay();
      const before = await Promise.all([1, 2].map((i) => job.delay(i)));
      await raw.lpush(`${prefix}${queue}`, '{"no": "body"}');
      const later = await Promise.all([3, 4].map((i) => job.delay(i)));
      await worker.start();
      await blockerStarted;
      release();
      assert.equal(await first.get({ timeout: 20_000 }), 'unblocked');
      const values = await Promise.all([...before, ...later].map((r) => r.get({ timeout: 20_000 })));
      assert.deepEqual(values, [10, 20, 30, 40]);
      const letters = (await (await app.transport()).listDeadLetters()).filter((l) => l.queue === queue);
      assert.deepEqual(
        letters.map((l) => l.message.body.toString()),
        ['{"no": "body"}'],
      );
      assert.match(letters[0]!.reason, /^message is not a kombu envelope: /);
      assert.equal(worker.stats.received, 5);
    } finally {
      await worker.stop();
      await app.close();
    }
  });

  test('a warm stop gives the unstarted ones back, in kombu\'s restored form', async () => {
    const queue = `deferred-stop-${Date.now()}`;
    const { app, blocker, job, worker, release, blockerStarted } = setup(queue);
    try {
      await blocker.delay();
      const waiting = await Promise.all([1, 2, 3].map((i) => job.delay(i)));
      await worker.start();
      await blockerStarted;
      const stopped = worker.stop();
      release();
      await stopped;
      assert.equal(await raw.hlen(`${prefix}unacked`), 0);
      const back = (await raw.lrange(`${prefix}${queue}`, 0, -1)).map((text) => decodeEnvelope(text));
      assert.deepEqual(back.map((e) => e.message.headers.id).sort(), waiting.map((r) => r.id).sort());
      // Every one was prefetched (the window is 10) and handed back as kombu restores a message.
      assert.ok(back.every((e) => e.redelivered));
    } finally {
      await worker.stop();
      await app.close();
    }
  });
});
