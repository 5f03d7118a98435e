import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exponentialBackoffSeconds } from './backoff.js';

const base = { factorSeconds: 1, maxSeconds: 600, fullJitter: false };

test('without jitter: factor × 2^retries, capped at the maximum', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4].map((retries) => exponentialBackoffSeconds({ ...base, retries })),
    [1, 2, 4, 8, 16],
  );
  assert.equal(exponentialBackoffSeconds({ ...base, factorSeconds: 3, retries: 2 }), 12);
  assert.equal(exponentialBackoffSeconds({ ...base, retries: 20 }), 600);
  assert.equal(exponentialBackoffSeconds({ ...base, maxSeconds: 5, retries: 3 }), 5);
});

test('factor and maximum are whole seconds, as Celery int()s them; zero factor gives zero', () => {
  assert.equal(exponentialBackoffSeconds({ ...base, factorSeconds: 2.9, retries: 1 }), 4);
  assert.equal(exponentialBackoffSeconds({ ...base, factorSeconds: 0, retries: 5 }), 0);
  assert.equal(exponentialBackoffSeconds({ ...base, maxSeconds: 7.5, retries: 5 }), 7);
});

test('full jitter picks a whole number from 0 to the delay inclusive (randrange(delay + 1))', () => {
  const at = (r: number) => exponentialBackoffSeconds({ ...base, retries: 3, fullJitter: true, random: () => r });
  assert.equal(at(0), 0);
  assert.equal(at(0.5), 4); // floor(0.5 × 9)
  assert.equal(at(0.999999), 8);
  assert.equal(at(1), 8); // a source returning 1 is clamped to the bound
});

test('jitter is applied after the cap', () => {
  const r = exponentialBackoffSeconds({ factorSeconds: 1, retries: 30, maxSeconds: 10, fullJitter: true, random: () => 0.99 });
  assert.equal(r, 10);
});
