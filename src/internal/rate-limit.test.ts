import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRateLimit, rateIntervalMs, TokenBucket } from './rate-limit.js';

test("parseRateLimit reads Celery's forms as tasks per second", () => {
  assert.equal(parseRateLimit('10/s'), 10);
  assert.equal(parseRateLimit('10'), 10);
  assert.equal(parseRateLimit('120/m'), 2);
  assert.equal(parseRateLimit('7200/h'), 2);
  assert.equal(parseRateLimit('0.5/s'), 0.5);
  assert.equal(parseRateLimit(3), 3);
  assert.equal(parseRateLimit('0'), 0);
  assert.throws(() => parseRateLimit('10/d'), { code: 'CONFIG_INVALID' });
  assert.throws(() => parseRateLimit(-1), { code: 'CONFIG_INVALID' });
});

test('rateIntervalMs: 10/s is 100 ms; no limit is 0', () => {
  assert.equal(rateIntervalMs(10), 100);
  assert.equal(rateIntervalMs(0), 0);
});

test('a capacity-1 bucket: ready when idle, then one token per interval, no bursts', () => {
  const bucket = new TokenBucket(100);
  assert.equal(bucket.take(1000), 0);
  assert.equal(bucket.take(1000), 100);
  assert.equal(bucket.take(1060), 40);
  assert.equal(bucket.take(1100), 0);
  // A long idle spell does not store up tokens.
  assert.equal(bucket.take(5000), 0);
  assert.equal(bucket.take(5001), 99);
});
