import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResultKeys } from './result-keys.js';

test("ResultKeys: Celery 5.2's names without a global prefix", () => {
  const keys = new ResultKeys();
  assert.equal(keys.task('c0a2'), 'celery-task-meta-c0a2');
  assert.equal(keys.group('466c'), 'celery-taskset-meta-466c');
  assert.equal(keys.group('466c', '.j'), 'celery-taskset-meta-466c.j');
  assert.equal(keys.group('466c', '.s'), 'celery-taskset-meta-466c.s');
});

test('ResultKeys: global_keyprefix gets `_` unless it ends in a separator (Celery 5.3+)', () => {
  assert.equal(new ResultKeys('app').task('id'), 'app_celery-task-meta-id');
  assert.equal(new ResultKeys('app').group('g'), 'app_celery-taskset-meta-g');
  for (const separator of [':', '_', '-', '.']) {
    assert.equal(new ResultKeys(`app${separator}`).task('id'), `app${separator}celery-task-meta-id`);
  }
});

test('ResultKeys: taskIdOf reads the id back from a channel of its own prefix only', () => {
  const keys = new ResultKeys('app:');
  assert.equal(keys.taskIdOf('app:celery-task-meta-abc'), 'abc');
  assert.equal(keys.taskIdOf('celery-task-meta-abc'), undefined);
  assert.equal(keys.taskIdOf('app:celery-taskset-meta-abc'), undefined);
});
