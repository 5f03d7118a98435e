import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCallArgs } from './task-arguments.js';

test('no kwargs: positional args pass through unchanged', () => {
  assert.deepEqual(buildCallArgs({ name: 't' }, [1, 2], {}), [1, 2]);
});

test('kwargs without declared params arrive as one extra last argument', () => {
  assert.deepEqual(buildCallArgs({ name: 't' }, [1], { a: 1, b: 2 }), [1, { a: 1, b: 2 }]);
});

test('declared params put kwargs on their positions, as Python does', () => {
  assert.deepEqual(buildCallArgs({ name: 't', params: ['x', 'y'] }, [], { y: 2, x: 1 }), [1, 2]);
  assert.deepEqual(buildCallArgs({ name: 't', params: ['x', 'y'] }, [5], { y: 2 }), [5, 2]);
});

test('an unknown keyword or a position given twice is an error naming the task', () => {
  assert.throws(() => buildCallArgs({ name: 'tasks.add', params: ['x'] }, [], { z: 1 }), /tasks\.add\(\) got an unexpected keyword argument 'z'/);
  assert.throws(() => buildCallArgs({ name: 'tasks.add', params: ['x'] }, [1], { x: 1 }), /multiple values for argument 'x'/);
});
