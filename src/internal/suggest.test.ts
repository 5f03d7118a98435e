import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suggest } from './suggest.js';

const names = ['broker_url', 'result_backend', 'task_routes', 'task_queues', 'worker_concurrency'];

test('suggests the nearest name for a typo', () => {
  assert.equal(suggest('broker_ulr', names), 'broker_url');
  assert.equal(suggest('result_backned', names), 'result_backend');
  assert.equal(suggest('worker_concurency', names), 'worker_concurrency');
});

test('compares case-insensitively and returns the candidate as written', () => {
  assert.equal(suggest('BROKER_ULR', names), 'broker_url');
  assert.equal(suggest('Task_Routes', ['TASK_ROUTES']), 'TASK_ROUTES');
});

test('suggests nothing when no candidate is close', () => {
  assert.equal(suggest('xyz', names), undefined);
  assert.equal(suggest('completely_unrelated_name', names), undefined);
  assert.equal(suggest('broker_url', []), undefined);
});

test('the threshold grows with the length: max(2, len/3)', () => {
  // 3 edits on a 6-letter word is a different word; 3 edits on an 18-letter one is a typo.
  assert.equal(suggest('abcxyz', ['abcdef']), undefined);
  assert.equal(suggest('worker_cncurrencyy', ['worker_concurrency']), 'worker_concurrency');
  assert.equal(suggest('ab', ['cd']), 'cd'); // short names still tolerate 2 edits
});

test('ties keep the first candidate, so callers can order by preference', () => {
  assert.equal(suggest('task_queue', ['task_queues', 'task_queuex']), 'task_queues');
  assert.equal(suggest('task_queue', ['task_queuex', 'task_queues']), 'task_queuex');
});

test('reads any iterable once', () => {
  assert.equal(suggest('broker_ulr', new Set(names)), 'broker_url');
  function* gen() {
    yield* names;
  }
  assert.equal(suggest('broker_ulr', gen()), 'broker_url');
});
