import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickRedisConnectionOptions, redisClientConnectionOptions, redisConnectionOptionNames } from './redis-connection-options.js';

test('pickRedisConnectionOptions keeps the connection options that are set, nothing else', () => {
  const given = { masterName: 'm', socketTimeoutMs: 5_000, clientName: undefined, visibilityTimeoutMs: 1_000, globalKeyprefix: 'p' };
  assert.deepEqual(pickRedisConnectionOptions(given), { masterName: 'm', socketTimeoutMs: 5_000 });
});

test("redisClientConnectionOptions maps kombu's socket_connect_timeout to connectTimeoutMs", () => {
  const options = { masterName: 'm', sentinelKwargs: { password: 's' }, socketTimeoutMs: 1, socketConnectTimeoutMs: 2, socketKeepalive: false, clientName: 'c' };
  assert.deepEqual(redisClientConnectionOptions(options), {
    masterName: 'm',
    sentinelKwargs: { password: 's' },
    connectTimeoutMs: 2,
    socketTimeoutMs: 1,
    socketKeepalive: false,
    clientName: 'c',
  });
  assert.deepEqual(Object.keys(options).sort(), [...redisConnectionOptionNames].sort(), 'the list names every option');
});
