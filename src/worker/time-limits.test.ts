import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timeLimitsOf } from './time-limits.js';

const defaults = { timeLimitMs: 60_000, softTimeLimitMs: 30_000 };

test("the message's timelimit header beats the task's options, which beat the settings", () => {
  assert.deepEqual(timeLimitsOf([null, null], {}, defaults), defaults);
  assert.deepEqual(timeLimitsOf([null, null], { timeLimit: 10, softTimeLimit: 5 }, defaults), { timeLimitMs: 10_000, softTimeLimitMs: 5000 });
  assert.deepEqual(timeLimitsOf([2.5, null], { timeLimit: 10, softTimeLimit: 5 }, defaults), { timeLimitMs: 2500, softTimeLimitMs: 5000 });
  assert.deepEqual(timeLimitsOf([null, 1], {}, { timeLimitMs: null, softTimeLimitMs: null }), { timeLimitMs: null, softTimeLimitMs: 1000 });
});

test('0 and null mean no limit at that level, as in Celery', () => {
  assert.deepEqual(timeLimitsOf([0, 0], { timeLimit: null }, { timeLimitMs: null, softTimeLimitMs: null }), { timeLimitMs: null, softTimeLimitMs: null });
});
