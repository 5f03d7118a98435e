import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CeleriacError } from '../errors.js';
import { silentLogger } from '../internal/logger.js';
import { Celery } from './celery.js';
import { Config } from './config/config.js';
import { defineTaskBase } from './task-base.js';
import { annotationsFor, applyAnnotations, mergeDeclaredOptions } from './task-options-resolver.js';
import type { TaskBase, TaskOptions } from './task-types.js';

/** A handler as a value (reading a method off an object is what this test means to do). */
const hook = (o: TaskBase | TaskOptions, name: 'onFailure'): unknown => (o as unknown as Record<string, unknown>)[name];

const onFailureA = () => undefined;
const onFailureB = () => undefined;

test('the base chain merges deepest first; the task’s own options win', () => {
  const Root = defineTaskBase({ maxRetries: 1, acksLate: true, onFailure: onFailureA });
  const Mid = defineTaskBase({ base: Root, maxRetries: 2, defaultRetryDelay: 5 });
  const merged = mergeDeclaredOptions({ name: 't', base: Mid, defaultRetryDelay: 9 });
  assert.equal(merged.maxRetries, 2);
  assert.equal(merged.acksLate, true);
  assert.equal(merged.defaultRetryDelay, 9);
  assert.equal(hook(merged, 'onFailure'), onFailureA);
  assert.equal(merged.base, Mid);
});

test('a class instance is a base too: prototype methods count', () => {
  class BrokerTask implements TaskBase {
    maxRetries = 7;
    onFailure(): void {}
  }
  const base = new BrokerTask();
  const merged = mergeDeclaredOptions({ name: 't', base });
  assert.equal(merged.maxRetries, 7);
  assert.equal(hook(merged, 'onFailure'), hook(BrokerTask.prototype, 'onFailure'));
});

test('bad values and base cycles are refused with the option named', () => {
  const bad = (options: object, why: RegExp) =>
    assert.throws(() => mergeDeclaredOptions({ name: 't', ...options }), (err: unknown) => err instanceof CeleriacError && err.code === 'CONFIG_INVALID' && why.test(err.message));
  bad({ maxRetries: -1 }, /task 't': maxRetries/);
  bad({ maxRetries: 1.5 }, /maxRetries/);
  bad({ defaultRetryDelay: -3 }, /defaultRetryDelay/);
  bad({ retryBackoff: 'yes' }, /retryBackoff/);
  bad({ autoretryFor: [1] }, /autoretryFor/);
  bad({ onSuccess: 'log' }, /onSuccess must be a function/);
  const a: TaskBase = {};
  const b: TaskBase = { base: a };
  a.base = b;
  bad({ base: a }, /cycle/);
});

test("annotations as Celery applies them: the task's entry, then '*', which wins a conflict", () => {
  const conf = new Config({
    task_annotations: [
      { 'tasks.add': { rate_limit: '10/s', max_retries: 1 } },
      { 'tasks.add': { rate_limit: 'ignored: only the first match counts' }, '*': { max_retries: 9, on_failure: onFailureB } },
    ],
  });
  const attrs = annotationsFor('tasks.add', conf.taskAnnotations);
  assert.equal(attrs.length, 2);
  const merged = applyAnnotations({ name: 'tasks.add', maxRetries: 3, onFailure: onFailureA }, attrs, () => assert.fail('no warning'));
  assert.equal(merged.rateLimit, '10/s');
  assert.equal(merged.maxRetries, 9);
  assert.equal(hook(merged, 'onFailure'), onFailureB);
  assert.deepEqual(annotationsFor('tasks.other', conf.taskAnnotations).length, 1);
});

test('annotator functions and objects match by name; retry delays stay in seconds', () => {
  const conf = new Config({
    task_annotations: [(name: string) => (name === 'a' ? { default_retry_delay: 5, retry_backoff_max: 60 } : null)],
  });
  assert.deepEqual(annotationsFor('a', conf.taskAnnotations), [{ defaultRetryDelay: 5, retryBackoffMax: 60 }]);
  assert.deepEqual(annotationsFor('b', conf.taskAnnotations), []);
});

test("'@name' wraps the current handler (Celery's add_around)", () => {
  const calls: string[] = [];
  const merged = applyAnnotations(
    { name: 't', onFailure: () => void calls.push('orig') },
    [{ '@onFailure': (orig: () => void) => () => (calls.push('around'), orig()) }],
    () => undefined,
  );
  void merged.onFailure?.(new Error('x'), 'id', [], {}, { exception: null, serialized: { exc_type: 'E', exc_message: [], exc_module: 'm' }, traceback: '' });
  assert.deepEqual(calls, ['around', 'orig']);
  assert.throws(() => applyAnnotations({ name: 't' }, [{ '@onFailure': 1 }], () => undefined), /must be a function/);
});

test('unknown attributes are kept with a warning and a suggestion; name/bind/params cannot be annotated', () => {
  const warnings: string[] = [];
  const merged = applyAnnotations({ name: 't' }, [{ maxRetrys: 2 }], (w) => warnings.push(w));
  assert.equal((merged as unknown as Record<string, unknown>).maxRetrys, 2);
  assert.match(warnings[0] ?? '', /'maxRetrys' .*did you mean 'maxRetries'/);
  assert.throws(() => applyAnnotations({ name: 't' }, [{ bind: true }], () => undefined), /cannot be changed/);
  assert.throws(() => applyAnnotations({ name: 't' }, [{ maxRetries: 'x' }], () => undefined), /maxRetries/);
});

test('on an app: annotations set after registration apply at first use; options show the effective values', () => {
  const app = new Celery('t', { broker_url: 'memory://' }, { logger: silentLogger() });
  const add = app.task({ name: 'tasks.add', maxRetries: 3 }, (x: number, y: number) => x + y);
  app.conf.update({ task_annotations: { 'tasks.add': { rate_limit: '10/s' }, '*': { max_retries: 5 } } });
  assert.equal(add.options.rateLimit, '10/s');
  assert.equal(add.options.maxRetries, 5);
  assert.equal(app.tasks.get('tasks.add')?.options.maxRetries, 5);
  assert.throws(() => app.task({ name: 'tasks.bad', maxRetries: -2 }, () => 1), /maxRetries/);
});
