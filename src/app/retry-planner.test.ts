import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoretryOutcome, planRetry, type RetrySubject } from './retry-planner.js';
import { Ignore, MaxRetriesExceededError, Reject, Retry } from './task-control.js';
import type { TaskOptions, TaskRequest } from './task-types.js';

const NOW = Date.UTC(2026, 0, 1);

function subject(options: Partial<TaskOptions> = {}, request: Partial<TaskRequest> = {}): RetrySubject {
  return {
    name: 'tasks.fetch',
    options: { name: 'tasks.fetch', ...options },
    request: {
      id: 'id-1',
      task: 'tasks.fetch',
      args: [5],
      kwargs: {},
      retries: 0,
      eta: null,
      expires: null,
      hostname: 'w@h',
      deliveryInfo: { exchange: '', routingKey: 'celery', priority: null, redelivered: false },
      parentId: null,
      rootId: 'id-1',
      correlationId: 'id-1',
      group: null,
      groupIndex: null,
      headers: {},
      calledDirectly: false,
      ...request,
    },
  };
}

class Transient extends Error {
  override name = 'Transient';
}

test('retry: retries + 1, the default delay of 180 s, the same arguments', () => {
  const r = planRetry(subject(), {}, NOW);
  assert.ok(r instanceof Retry);
  assert.equal(r.countdown, 180);
  assert.equal(r.eta?.getTime(), NOW + 180_000);
  assert.deepEqual(r.plan, {
    args: [5],
    kwargs: {},
    retries: 1,
    etaMs: NOW + 180_000,
    queue: undefined,
    exchange: undefined,
    routingKey: undefined,
    priority: undefined,
    headers: undefined,
    timeLimit: undefined,
    softTimeLimit: undefined,
  });
  assert.equal(r.message, 'Retry in 180s');
});

test('countdown in seconds, the task default delay, an eta; a countdown wins over an eta as in apply_async', () => {
  assert.equal(planRetry(subject(), { countdown: 1.5 }, NOW).plan?.etaMs, NOW + 1500);
  assert.equal(planRetry(subject({ defaultRetryDelay: 7 }), {}, NOW).plan?.etaMs, NOW + 7000);
  const at = new Date(NOW + 60_000);
  const byEta = planRetry(subject(), { eta: at }, NOW);
  assert.equal(byEta.plan?.etaMs, at.getTime());
  assert.equal(byEta.countdown, null);
  assert.equal(planRetry(subject(), { eta: at, countdown: 2 }, NOW).plan?.etaMs, NOW + 2000);
});

test('the message names the reason as Celery does', () => {
  const r = planRetry(subject(), { exc: new Transient('down'), countdown: 1 }, NOW);
  assert.equal(r.message, 'Retry in 1s: Transient("down")');
  assert.ok(r.exc instanceof Transient);
  assert.equal(r.cause, r.exc);
});

test('past maxRetries: MaxRetriesExceededError, or the exc itself when given', () => {
  const last = subject({ maxRetries: 2 }, { retries: 2 });
  assert.throws(
    () => planRetry(last, {}, NOW),
    (err: unknown) =>
      err instanceof MaxRetriesExceededError &&
      err.code === 'MAX_RETRIES_EXCEEDED' &&
      err.message === "Can't retry tasks.fetch[id-1] args:(5,) kwargs:{}" &&
      err.excModule === 'celery.exceptions',
  );
  const exc = new Transient('still down');
  assert.throws(() => planRetry(last, { exc }, NOW), (err: unknown) => err === exc);
  // Default 3: the 4th retry is refused.
  assert.ok(planRetry(subject({}, { retries: 2 }), {}, NOW) instanceof Retry);
  assert.throws(() => planRetry(subject({}, { retries: 3 }), {}, NOW), MaxRetriesExceededError);
});

test('maxRetries null retries forever; a per-call maxRetries overrides the task option', () => {
  assert.ok(planRetry(subject({ maxRetries: null }, { retries: 1000 }), {}, NOW) instanceof Retry);
  assert.ok(planRetry(subject({ maxRetries: 1 }, { retries: 5 }), { maxRetries: null }, NOW) instanceof Retry);
  assert.throws(() => planRetry(subject({ maxRetries: 10 }, { retries: 1 }), { maxRetries: 1 }, NOW), MaxRetriesExceededError);
});

test('called directly there is no message to republish: the exc (or a plan-less Retry) is thrown', () => {
  const direct = subject({}, { calledDirectly: true });
  const exc = new Transient('x');
  assert.throws(() => planRetry(direct, { exc }, NOW), (err: unknown) => err === exc);
  assert.throws(() => planRetry(direct, {}, NOW), (err: unknown) => err instanceof Retry && err.plan === undefined);
});

test('overrides travel in the plan', () => {
  const r = planRetry(subject(), { args: [6], kwargs: { a: 1 }, queue: 'slow', priority: 9, headers: { h: 1 }, timeLimit: 30 }, NOW);
  assert.deepEqual(r.plan?.args, [6]);
  assert.deepEqual(r.plan?.kwargs, { a: 1 });
  assert.equal(r.plan?.queue, 'slow');
  assert.equal(r.plan?.priority, 9);
  assert.deepEqual(r.plan?.headers, { h: 1 });
  assert.equal(r.plan?.timeLimit, 30);
});

test('autoretry: only listed error classes retry; control values never do', () => {
  const s = subject({ autoretryFor: [Transient] });
  const other = new TypeError('bug');
  assert.equal(autoretryOutcome(s, other, NOW, Math.random), other);
  for (const control of [new Reject('no'), new Ignore(), new Retry()]) assert.equal(autoretryOutcome(s, control, NOW, Math.random), control);
  const r = autoretryOutcome(s, new Transient('down'), NOW, Math.random);
  assert.ok(r instanceof Retry);
  assert.equal(r.countdown, 180);
  // Error matches every error.
  assert.ok(autoretryOutcome(subject({ autoretryFor: [Error] }), other, NOW, Math.random) instanceof Retry);
});

test('autoretry with backoff: base × 2^retries, capped, full jitter from the injected random', () => {
  const countdown = (options: Partial<TaskOptions>, retries: number, random = () => 0.5) =>
    (autoretryOutcome(subject({ autoretryFor: [Transient], ...options }, { retries }), new Transient('x'), NOW, random) as Retry).countdown;
  assert.deepEqual([0, 1, 2, 3].map((n) => countdown({ retryBackoff: true, retryJitter: false, maxRetries: null }, n)), [1, 2, 4, 8]);
  assert.deepEqual([0, 1, 2].map((n) => countdown({ retryBackoff: 5, retryJitter: false }, n)), [5, 10, 20]);
  assert.equal(countdown({ retryBackoff: 5, retryBackoffMax: 12, retryJitter: false }, 2), 12);
  // Jitter on by default: floor(0.5 × (8 + 1)) = 4.
  assert.equal(countdown({ retryBackoff: true, maxRetries: null }, 3), 4);
  assert.equal(countdown({ retryBackoff: true, maxRetries: null }, 3, () => 0), 0);
});

test('autoretry uses retryKwargs, and past the limit the original error comes back (Celery re-raises it)', () => {
  const s = subject({ autoretryFor: [Transient], retryKwargs: { countdown: 3, maxRetries: 1 } }, { retries: 0 });
  const r = autoretryOutcome(s, new Transient('x'), NOW, Math.random);
  assert.ok(r instanceof Retry);
  assert.equal(r.countdown, 3);
  const exc = new Transient('last');
  assert.equal(autoretryOutcome(subject({ autoretryFor: [Transient], retryKwargs: { maxRetries: 1 } }, { retries: 1 }), exc, NOW, Math.random), exc);
});
