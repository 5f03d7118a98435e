import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ignore, MaxRetriesExceededError, Reject, Retry } from '../../app/task-control.js';
import { SoftTimeLimitExceeded, TimeLimitExceeded } from '../../errors.js';
import { formatTraceback, serializeError } from '../../protocol/exception-codec.js';
import { decodeError, decodeOutcome, encodeError, encodeOutcome } from './outcome-codec.js';

/** Across a boundary: encoded, structured-cloned as postMessage does, decoded. */
function cross(err: unknown): unknown {
  return decodeError(structuredClone(encodeError(err)));
}

class AppError extends Error {
  override name = 'AppError';
}

test('a plain error keeps its Celery triple, name, message and traceback', () => {
  const err = Object.assign(new AppError('boom'), { args: ['boom', 42], excModule: 'myapp.errors' });
  const back = cross(err) as Error;
  assert.deepEqual(serializeError(back), serializeError(err));
  assert.equal(back.name, 'AppError');
  assert.equal(back.message, 'boom');
  assert.equal(formatTraceback(back), formatTraceback(err));
  const builtin = cross(new TypeError('nope')) as Error;
  assert.deepEqual(serializeError(builtin), { exc_type: 'TypeError', exc_message: ['nope'], exc_module: 'builtins' });
  assert.deepEqual(serializeError(cross(new MaxRetriesExceededError('too many', [1], {}))), serializeError(new MaxRetriesExceededError('too many', [1], {})));
  assert.deepEqual(serializeError(cross('a string')), serializeError('a string'));
});

test('control values come back as themselves', () => {
  const plan = { args: [1], kwargs: {}, retries: 2, etaMs: Date.UTC(2030, 0, 1), queue: 'q' };
  const retry = cross(new Retry({ exc: new AppError('flaky'), countdown: 5, eta: new Date(plan.etaMs), plan }));
  assert.ok(retry instanceof Retry);
  assert.equal(retry.countdown, 5);
  assert.deepEqual(retry.eta, new Date(plan.etaMs));
  assert.deepEqual(retry.plan, plan);
  assert.equal((retry.exc as Error).name, 'AppError');
  assert.equal(retry.message, new Retry({ exc: new AppError('flaky'), countdown: 5 }).message);
  const bare = cross(new Retry());
  assert.ok(bare instanceof Retry);
  assert.equal(bare.exc, undefined);
  assert.equal(bare.plan, undefined);
  const reject = cross(new Reject('bad', { requeue: true }));
  assert.ok(reject instanceof Reject);
  assert.equal(reject.requeue, true);
  assert.equal(reject.message, 'bad');
  assert.ok(cross(new Ignore()) instanceof Ignore);
});

test('time limit errors come back as their classes with the limit', () => {
  const soft = cross(new SoftTimeLimitExceeded(1.5));
  assert.ok(soft instanceof SoftTimeLimitExceeded);
  assert.equal(soft.limitSeconds, 1.5);
  assert.deepEqual(serializeError(soft), { exc_type: 'SoftTimeLimitExceeded', exc_message: [], exc_module: 'billiard.exceptions' });
  const hard = cross(new TimeLimitExceeded(30));
  assert.ok(hard instanceof TimeLimitExceeded);
  assert.deepEqual(serializeError(hard), { exc_type: 'TimeLimitExceeded', exc_message: [30], exc_module: 'billiard.exceptions' });
});

test('outcomes: values pass through, errors are encoded', () => {
  assert.deepEqual(decodeOutcome(encodeOutcome({ ok: true, value: { a: [1] } })), { ok: true, value: { a: [1] } });
  const out = decodeOutcome(structuredClone(encodeOutcome({ ok: false, error: new Reject('x') })));
  assert.equal(out.ok, false);
  assert.ok(!out.ok && out.error instanceof Reject);
});
