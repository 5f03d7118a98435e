import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createRedisClient, defaultReconnectDelayMs, parseRedisUrl, redisClientOptions } from './redis-connection.js';
import { redisFailure } from './redis-failure.js';

describe('parseRedisUrl', () => {
  test('redis://[user:password@]host:port/db with kombu defaults', () => {
    assert.deepEqual(parseRedisUrl('redis://localhost'), {
      scheme: 'redis', host: 'localhost', port: 6379, db: 0, display: 'redis://localhost',
    });
    const full = parseRedisUrl('redis://alice:s%40cret@cache.local:6380/5');
    assert.equal(full.host, 'cache.local');
    assert.equal(full.port, 6380);
    assert.equal(full.db, 5);
    assert.equal(full.username, 'alice');
    assert.equal(full.password, 's@cret');
    assert.equal(full.display, 'redis://alice:***@cache.local:6380/5');
    const passwordOnly = parseRedisUrl('redis://:pw@127.0.0.1:6379/2');
    assert.equal(passwordOnly.username, undefined);
    assert.equal(passwordOnly.password, 'pw');
    assert.equal(parseRedisUrl('redis://[::1]:7000/0').host, '::1');
    assert.equal(parseRedisUrl('redis://').host, '127.0.0.1');
    assert.equal(parseRedisUrl('REDIS://h/3').db, 3);
  });

  test('rediss:// carries TLS settings from the query', () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-tls-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), 'CA');
      const url = parseRedisUrl(`rediss://h:6380/1?ssl_cert_reqs=CERT_NONE&ssl_ca_certs=${join(dir, 'ca.pem')}`);
      assert.equal(url.scheme, 'rediss');
      assert.equal(url.tls?.rejectUnauthorized, false);
      assert.deepEqual(url.tls?.ca, Buffer.from('CA'));
      assert.deepEqual(parseRedisUrl('rediss://h').tls, {});
      assert.equal(parseRedisUrl('rediss://h?ssl_cert_reqs=required').tls?.rejectUnauthorized, true);
      assert.throws(() => parseRedisUrl('rediss://h?ssl_cert_reqs=maybe'), { code: 'BAD_URL' });
      assert.throws(() => parseRedisUrl(`rediss://h?ssl_certfile=${join(dir, 'missing.pem')}`), { code: 'BAD_URL' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('unix sockets: redis+socket:// (virtual_host) and unix:// (db)', () => {
    assert.deepEqual(parseRedisUrl('redis+socket:///tmp/redis.sock'), {
      scheme: 'redis+socket', path: '/tmp/redis.sock', db: 0, display: 'redis+socket:///tmp/redis.sock',
    });
    assert.equal(parseRedisUrl('redis+socket:///run/r.sock?virtual_host=4').db, 4);
    const unix = parseRedisUrl('unix://:pw@/var/run/redis.sock?db=2');
    assert.equal(unix.path, '/var/run/redis.sock');
    assert.equal(unix.db, 2);
    assert.equal(unix.password, 'pw');
    assert.throws(() => parseRedisUrl('redis+socket://'), { code: 'BAD_URL' });
  });

  test('sentinel://a;sentinel://b: every sentinel, the first one carries password and db', () => {
    const url = parseRedisUrl('sentinel://:masterpw@s1:26379/3;sentinel://s2;sentinel://s3:26380');
    assert.deepEqual(url.sentinels, [
      { host: 's1', port: 26379 },
      { host: 's2', port: 26379 },
      { host: 's3', port: 26380 },
    ]);
    assert.equal(url.db, 3);
    assert.equal(url.password, 'masterpw');
    assert.equal(url.display, 'sentinel://:***@s1:26379/3;sentinel://s2;sentinel://s3:26380');
    assert.throws(() => parseRedisUrl('sentinel://s1;redis://s2'), { code: 'BAD_URL' });
  });

  test('bad URLs are BAD_URL errors that never show the password', () => {
    for (const bad of ['localhost:6379', 'http://h', 'redis://h/x', 'redis://h:port/0', 'redis://:topsecret@h/db']) {
      assert.throws(() => parseRedisUrl(bad), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'BAD_URL');
        assert.doesNotMatch(error.message, /topsecret/);
        return true;
      });
    }
  });
});

describe('redisClientOptions', () => {
  test('maps the URL and the role to ioredis options', () => {
    const options = redisClientOptions('redis://:pw@h:7000/4', { role: 'commands', failFast: true, socketTimeoutMs: 5_000, clientName: 'w1' });
    assert.equal(options.host, 'h');
    assert.equal(options.port, 7000);
    assert.equal(options.db, 4);
    assert.equal(options.password, 'pw');
    assert.equal(options.enableOfflineQueue, false);
    assert.equal(options.maxRetriesPerRequest, 0);
    assert.equal(options.socketTimeout, 5_000);
    assert.equal(options.connectionName, 'w1');
    assert.equal(options.lazyConnect, true);
    const blocking = redisClientOptions('redis://h', { role: 'blocking' });
    assert.equal(blocking.autoResendUnfulfilledCommands, false);
    assert.equal(redisClientOptions('redis://h', { role: 'subscriber' }).autoResubscribe, false);
    assert.equal(redisClientOptions('redis+socket:///tmp/r.sock').path, '/tmp/r.sock');
  });

  test('sentinel needs masterName (kombu master_name); sentinel_kwargs password goes to the sentinels', () => {
    assert.throws(() => redisClientOptions('sentinel://s1:26379'), { code: 'CONFIG_INVALID' });
    const options = redisClientOptions('sentinel://:mpw@s1:26379/1;sentinel://s2:26380', {
      masterName: 'mymaster',
      sentinelKwargs: { password: 'spw' },
    });
    assert.equal(options.name, 'mymaster');
    assert.deepEqual(options.sentinels, [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }]);
    assert.equal(options.sentinelPassword, 'spw');
    assert.equal(options.password, 'mpw');
    assert.equal(options.db, 1);
  });

  test('the default reconnect backoff doubles from 50 ms up to about 2 s', () => {
    assert.ok(defaultReconnectDelayMs(1) >= 50 && defaultReconnectDelayMs(1) <= 60);
    assert.ok(defaultReconnectDelayMs(3) >= 200 && defaultReconnectDelayMs(3) <= 240);
    assert.ok(defaultReconnectDelayMs(50) >= 2_000 && defaultReconnectDelayMs(50) <= 2_400);
  });

  test('createRedisClient does not connect until asked', () => {
    const client = createRedisClient('redis://127.0.0.1:1/0');
    assert.equal(client.status, 'wait');
    client.disconnect();
  });
});

test('redisFailure wraps driver errors once, with what failed', () => {
  const cause = new Error('Connection is closed.');
  const error = redisFailure('TRANSPORT_ERROR', "redis transport: publish to 'celery'", cause);
  assert.equal(error.code, 'TRANSPORT_ERROR');
  assert.equal(error.message, "redis transport: publish to 'celery' failed: Connection is closed.");
  assert.equal(error.cause, cause);
  assert.equal(redisFailure('BACKEND_ERROR', 'x', error), error);
});
