import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SoftTimeLimitExceeded, TimeLimitExceeded } from '../../errors.js';
import { LazyAbortController } from '../../internal/lazy-abort-controller.js';
import { FakeClock } from '../../testing/fake-clock.js';
import { CallWatch, type CallWatchHandlers } from './call-watch.js';
import type { CallOptions } from './pool.js';
import type { Clock } from '../../internal/clock.js';

function watchCall(clock: Clock, options: CallOptions, handlers: CallWatchHandlers): () => void {
  const watch = new CallWatch(clock, options, handlers);
  watch.start();
  return () => watch.dispose();
}

function recorder() {
  const seen: Array<[string, unknown]> = [];
  const handlers: CallWatchHandlers = { onSoft: (r) => void seen.push(['soft', r]), onEnd: (r) => void seen.push(['end', r]) };
  return { seen, handlers };
}

test('soft limit aborts the signal with SoftTimeLimitExceeded; the hard limit then ends the call', () => {
  const clock = new FakeClock();
  const abort = new AbortController();
  const { seen, handlers } = recorder();
  watchCall(clock, { abort, timeLimitMs: 2000, softTimeLimitMs: 1000 }, handlers);
  clock.advance(999);
  assert.equal(abort.signal.aborted, false);
  clock.advance(1);
  assert.ok(abort.signal.reason instanceof SoftTimeLimitExceeded);
  assert.equal((abort.signal.reason).limitSeconds, 1);
  assert.equal(seen.length, 1);
  clock.advance(1000);
  assert.equal(seen.length, 2);
  const [kind, reason] = seen[1]!;
  assert.equal(kind, 'end');
  assert.ok(reason instanceof TimeLimitExceeded);
  assert.equal(reason.limitSeconds, 2);
  assert.ok(abort.signal.reason instanceof SoftTimeLimitExceeded, 'the signal keeps its first reason');
});

test('terminate ends the call with its reason and cancels the timers', () => {
  const clock = new FakeClock();
  const abort = new AbortController();
  const terminate = new LazyAbortController();
  const { seen, handlers } = recorder();
  watchCall(clock, { abort, terminate, timeLimitMs: 2000, softTimeLimitMs: 1000 }, handlers);
  const why = new Error('revoked');
  terminate.abort(why);
  assert.deepEqual(seen, [['end', why]]);
  assert.equal(abort.signal.reason, why);
  clock.advance(5000);
  assert.equal(seen.length, 1, 'no limit fires after the end');
});

test('an already aborted terminate ends the call at once', () => {
  const terminate = new LazyAbortController();
  terminate.abort('gone');
  const { seen, handlers } = recorder();
  watchCall(new FakeClock(), { abort: new AbortController(), terminate, timeLimitMs: null, softTimeLimitMs: null }, handlers);
  assert.deepEqual(seen, [['end', 'gone']]);
});

test('disposing stops watching; a soft limit not below the hard one is not armed', () => {
  const clock = new FakeClock();
  const { seen, handlers } = recorder();
  const dispose = watchCall(clock, { abort: new AbortController(), timeLimitMs: 1000, softTimeLimitMs: 5000 }, handlers);
  dispose();
  clock.advance(10_000);
  assert.deepEqual(seen, []);
  const abort = new AbortController();
  watchCall(clock, { abort, timeLimitMs: 1000, softTimeLimitMs: 1000 }, handlers);
  clock.advance(1000);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]![0], 'end');
  assert.ok(abort.signal.reason instanceof TimeLimitExceeded);
});
