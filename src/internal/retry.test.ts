import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelayMs, retryAfter } from './retry.js';

const policy = { maxRetries: 3, intervalStartMs: 0, intervalStepMs: 0, intervalMaxMs: 0 };

test("the back-off grows by the step from the start and stops at the max, as kombu's ensure()", () => {
  const p = { maxRetries: 10, intervalStartMs: 100, intervalStepMs: 200, intervalMaxMs: 450 };
  assert.deepEqual([1, 2, 3, 4].map((r) => backoffDelayMs(p, r)), [100, 300, 450, 450]);
});

test('retries a retryable failure up to maxRetries times, then rethrows the last error', async () => {
  let calls = 0;
  const retries: number[] = [];
  await assert.rejects(
    retryAfter(
      new Error('fail 0'),
      async () => {
        calls++;
        throw new Error(`fail ${calls}`);
      },
      policy,
      () => true,
      (_e, n) => retries.push(n),
    ),
    /fail 3/,
  );
  assert.equal(calls, 3);
  assert.deepEqual(retries, [1, 2, 3]);
});

test('succeeds once the operation does, and never retries an error it should not', async () => {
  let calls = 0;
  assert.equal(await retryAfter(new Error('x'), async () => (++calls < 2 ? Promise.reject(new Error('x')) : 'ok'), policy, () => true), 'ok');
  assert.equal(calls, 2);
  calls = 0;
  await assert.rejects(retryAfter(new Error('fatal'), async () => { calls++; return 'never'; }, policy, () => false), /fatal/);
  assert.equal(calls, 0);
  const later = (err: unknown) => (err as Error).message !== 'fatal';
  await assert.rejects(retryAfter(new Error('x'), async () => { calls++; throw new Error('fatal'); }, policy, later), /fatal/);
  assert.equal(calls, 1);
});
