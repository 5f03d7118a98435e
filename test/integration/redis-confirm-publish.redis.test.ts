/**
 * `broker_transport_options.confirm_publish = false` on the Redis transport, against real Redis:
 * publishes resolve once written, every message still arrives once; the outbox is bounded;
 * a message whose connection died before Redis stored it is sent again after the reconnect; one
 * finally lost fails its task's `get()`, is logged at error, and `app.close()` waits for the outbox.
 * Redis outages are a private `redis-server` that the tests pause (SIGSTOP: the write reaches the
 * socket, no reply comes), kill and start again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { Celery } from '../../src/index.js';
import type { BackoffPolicy } from '../../src/internal/retry.js';
import { RedisTransport } from '../../src/transports/redis/redis-transport.js';
import { message, recordingLogger } from '../conformance/transport.conformance.js';
import { deleteKeys, PrivateRedisServer, redisTestUrl, redisUnavailable, uniqueKeyPrefix } from '../support/redis-test-server.js';
import { createRedisClient } from '../../src/connections/redis-connection.js';

const unavailable = await redisUnavailable();
const CASE = { timeout: 20_000 };
const ROUTE = { exchange: '', routingKey: 'unconfirmed' };
/** Waits out a Redis restart in the tests below. */
const PATIENT: BackoffPolicy = { maxRetries: 100, intervalStartMs: 100, intervalStepMs: 100, intervalMaxMs: 200 };

async function listLength(url: string, key: string): Promise<number> {
  const client = createRedisClient(url, { role: 'commands' });
  try {
    return await client.llen(key);
  } finally {
    client.disconnect();
  }
}

/** True when `promise` is still pending after the event loop had a few turns. */
async function stillPending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  return !settled;
}

describe('redis transport: confirm_publish false', { skip: unavailable }, () => {
  test('an awaited loop of delay() stores every message once; close() waits for the last replies', CASE, async () => {
    const prefix = uniqueKeyPrefix();
    const app = new Celery(
      'unconfirmed',
      { broker_url: redisTestUrl, result_backend: 'disabled', broker_transport_options: { confirm_publish: false, global_keyprefix: prefix } },
      { logger: pino({ level: 'silent' }) },
    );
    const task = app.task('tests.unconfirmed', () => null);
    try {
      for (let i = 0; i < 300; i++) await task.delay();
      await app.close();
      assert.equal(await listLength(redisTestUrl, `${prefix}celery`), 300);
    } finally {
      await app.close();
      await deleteKeys(redisTestUrl, prefix);
    }
  });
});

describe('redis transport: confirm_publish false across outages', { skip: unavailable }, () => {
  let server: PrivateRedisServer;
  before(async () => {
    server = await PrivateRedisServer.start();
  });
  after(() => server.stop());

  test('past maxUnconfirmedPublishes a publish waits for room', CASE, async () => {
    const transport = new RedisTransport({ url: server.url, confirmPublish: false, maxUnconfirmedPublishes: 2, logger: recordingLogger() });
    await transport.start();
    server.pause();
    try {
      await transport.publish(message('one'), ROUTE);
      await transport.publish(message('two'), ROUTE);
      const third = transport.publish(message('three'), ROUTE);
      assert.ok(await stillPending(third), 'the third publish waits while two are unconfirmed');
      server.resume();
      await third;
    } finally {
      server.resume();
    }
    await transport.stop();
    assert.equal(await listLength(server.url, 'unconfirmed'), 3);
    await deleteKeys(server.url, 'unconfirmed');
  });

  test('a message written but never stored is sent again after Redis restarts', CASE, async () => {
    const transport = new RedisTransport({ url: server.url, confirmPublish: false, logger: recordingLogger() });
    await transport.start();
    let unconfirmed = false;
    let settle!: (error?: Error) => void;
    const confirmed = new Promise<void>((resolve, reject) => (settle = (error) => (error ? reject(error) : resolve())));
    const tracker = { unconfirmed: () => (unconfirmed = true), settled: (error?: Error) => settle(error) };
    server.pause();
    await transport.publish(message('lost-in-flight'), ROUTE, { retryPolicy: PATIENT, tracker });
    assert.ok(unconfirmed, 'publish resolved unconfirmed');
    assert.ok(await stillPending(confirmed), 'no reply while Redis is frozen');
    await server.stop(); // killed while frozen: the LPUSH was never run
    await server.start();
    await confirmed;
    await transport.stop();
    assert.equal(await listLength(server.url, 'unconfirmed'), 1);
    await deleteKeys(server.url, 'unconfirmed');
  });

  test('a message finally lost fails get(), is logged at error, and close() still returns', CASE, async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const app = new Celery(
      'lost',
      {
        broker_url: server.url,
        result_backend: server.url,
        broker_transport_options: { confirm_publish: false },
        task_publish_retry_policy: { max_retries: 1, interval_start: 0, interval_step: 0.05, interval_max: 0.05 },
      },
      { logger },
    );
    const task = app.task('tests.lost', () => 1);
    try {
      await task.delay(); // connected
      server.pause();
      const result = await task.delay();
      await server.stop();
      await assert.rejects(result.get({ timeout: 10_000 }), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'TRANSPORT_ERROR');
        return true;
      });
      const errors = lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((record) => record.level === 50);
      assert.ok(
        errors.some((record) => record.msg.includes(`tests.lost[${result.id}]`)),
        `an error line names the task: ${JSON.stringify(errors)}`,
      );
      await app.close();
    } finally {
      await server.start();
      await app.close();
    }
  });
});
