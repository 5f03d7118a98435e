import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../internal/logger.js';
import { FakeClock } from '../testing/fake-clock.js';
import type { TaskRateLimit } from '../app/task-types.js';
import { RateLimiter, type GlobalTokenTaker } from './rate-limiter.js';

function limiter(limits: Record<string, TaskRateLimit>, takeGlobal?: GlobalTokenTaker) {
  const clock = new FakeClock();
  const ran: string[] = [];
  const rl = new RateLimiter<string>(
    { clock, log: silentLogger(), limitOf: (name) => limits[name], takeGlobal },
    (item) => ran.push(item),
  );
  return { clock, ran, rl };
}

test('a task without a limit runs at once', () => {
  const { rl, ran } = limiter({});
  rl.submit('free', 'a');
  rl.submit('free', 'b');
  assert.deepEqual(ran, ['a', 'b']);
});

test("'10/s' per worker: one task per 100 ms, in arrival order, nothing dropped", () => {
  const { rl, ran, clock } = limiter({ t: '10/s', other: '1/m' });
  for (const item of ['a', 'b', 'c']) rl.submit('t', item);
  rl.submit('other', 'x');
  assert.deepEqual(ran, ['a', 'x']);
  assert.equal(rl.waiting, 2);
  clock.advance(99);
  assert.deepEqual(ran, ['a', 'x']);
  clock.advance(1);
  assert.deepEqual(ran, ['a', 'x', 'b']);
  clock.advance(100);
  assert.deepEqual(ran, ['a', 'x', 'b', 'c']);
  rl.submit('other', 'y');
  clock.advance(59_700);
  assert.deepEqual(ran.slice(-1), ['c']);
  clock.advance(100);
  assert.deepEqual(ran.slice(-1), ['y']);
});

test('stop() cancels the waits', () => {
  const { rl, ran, clock } = limiter({ t: '1/s' });
  rl.submit('t', 'a');
  rl.submit('t', 'b');
  rl.stop();
  clock.advance(10_000);
  assert.deepEqual(ran, ['a']);
});

test('global scope asks the shared taker, and waits as long as it says', async () => {
  const asked: Array<[string, number]> = [];
  const answers = [0, 250, 0];
  const { rl, ran, clock } = limiter({ g: { limit: '4/s', scope: 'global' } }, (key, intervalMs) => {
    asked.push([key, intervalMs]);
    return Promise.resolve(answers.shift() ?? 0);
  });
  rl.submit('g', 'a');
  rl.submit('g', 'b');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(ran, ['a']);
  assert.deepEqual(asked, [['g', 250], ['g', 250]]);
  clock.advance(250);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(ran, ['a', 'b']);
});

test('global scope without a shared taker falls back to a per-worker bucket', () => {
  const { rl, ran, clock } = limiter({ g: { limit: '2/s', scope: 'global' } });
  rl.submit('g', 'a');
  rl.submit('g', 'b');
  assert.deepEqual(ran, ['a']);
  clock.advance(500);
  assert.deepEqual(ran, ['a', 'b']);
});
