import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTransport } from './create-transport.js';
import { RedisTransport } from './redis/redis-transport.js';
import { SqliteTransport } from './sqlite/sqlite-transport.js';

describe('createTransport', () => {
  test('chooses the transport by scheme', () => {
    const memory = createTransport('memory://');
    assert.equal(memory.capabilities.durable, false);
    const sqlite = createTransport('sqlite:////tmp/celeriac-not-opened.db');
    assert.equal(sqlite.capabilities.durable, true);
    assert.equal(sqlite.capabilities.crossProcess, true);
    assert.equal(createTransport('SQLITE:///x.db').capabilities.durable, true);
    for (const url of [
      'redis://localhost:6379/0',
      'rediss://localhost:6380/1',
      'redis+socket:///tmp/redis.sock',
      'unix:///tmp/redis.sock?db=2',
    ]) {
      const redis = createTransport(url);
      assert.ok(redis instanceof RedisTransport, url);
      assert.deepEqual(redis.capabilities, { durable: true, crossProcess: true, priority: true, fanout: true, nativeDelay: false });
    }
    const sentinel = createTransport('sentinel://s1:26379;sentinel://s2:26379', { transportOptions: { masterName: 'mymaster' } });
    assert.ok(sentinel instanceof RedisTransport);
    assert.throws(() => createTransport('sentinel://s1:26379'), { code: 'CONFIG_INVALID' });
  });

  test('an unknown scheme lists the supported ones', () => {
    assert.throws(() => createTransport('amqp://localhost:5672//'), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'UNSUPPORTED_TRANSPORT');
      assert.match(error.message, /supported: memory:\/\/, sqlite:\/\/, redis:\/\/, rediss:\/\/, redis\+socket:\/\/, unix:\/\/, sentinel:\/\//);
      return true;
    });
    assert.throws(() => createTransport('celeriac.db'), { code: 'BAD_URL' });
    assert.throws(() => createTransport('sqlite://host/x.db'), { code: 'BAD_URL' });
    assert.throws(() => createTransport('redis://host:port/0'), { code: 'BAD_URL' });
  });

  test("takes the config layer's broker_transport_options (camelCase, ms) and reports the ones without effect", () => {
    const warnings: string[] = [];
    const logger = { warn: (m: string) => warnings.push(m) };
    const transport = createTransport('sqlite:///x.db', {
      logger,
      transportOptions: { visibilityTimeoutMs: 600_000, pollingIntervalMs: 250, prioritySteps: [0, 3, 6, 9] },
    });
    assert.ok(transport instanceof SqliteTransport);
    assert.equal(transport.settings.visibilityTimeoutMs, 600_000);
    assert.equal(transport.settings.pollIntervalMs, 250);
    const typed = createTransport('sqlite:///x.db', {
      transportOptions: { visibilityTimeoutMs: 600_000 },
      sqlite: { visibilityTimeoutMs: 5_000 },
    }) as SqliteTransport;
    assert.equal(typed.settings.visibilityTimeoutMs, 5_000);
    assert.deepEqual(warnings, ["broker_transport_options 'priority_steps' has no effect on the sqlite:// transport"]);
  });

  test('the Redis transport reads the kombu Redis options', () => {
    const warnings: string[] = [];
    const logger = { warn: (m: string) => warnings.push(m) };
    const redis = createTransport('redis://localhost/3', {
      logger,
      transportOptions: {
        visibilityTimeoutMs: 7_200_000,
        prioritySteps: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        sep: ':',
        globalKeyprefix: 'pfx:',
        queueOrderStrategy: 'priority',
        unackedMutexExpireMs: 60_000,
        pollingIntervalMs: 100,
        confirmPublish: false,
        maxUnconfirmedPublishes: 50,
      },
    }) as RedisTransport;
    assert.equal(redis.settings.visibilityTimeoutMs, 7_200_000);
    assert.deepEqual(redis.settings.prioritySteps, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(redis.layout.listName('celery', 7), 'celery:7');
    assert.equal(redis.layout.unacked, 'pfx:unacked');
    assert.equal(redis.settings.queueOrderStrategy, 'priority');
    assert.equal(redis.settings.unackedMutexExpireMs, 60_000);
    assert.equal(redis.target.db, 3);
    assert.equal(redis.settings.confirmPublish, false);
    assert.equal(redis.settings.maxUnconfirmedPublishes, 50);
    assert.deepEqual(warnings, ["broker_transport_options 'polling_interval' has no effect on the redis:// transport"]);
  });
});
