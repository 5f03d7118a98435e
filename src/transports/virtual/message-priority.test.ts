import assert from 'node:assert/strict';
import { test } from 'node:test';
import { messagePriority } from './message-priority.js';

test('priority is clamped to 0..9; missing or malformed is 0 (kombu)', () => {
  assert.equal(messagePriority({}), 0);
  assert.equal(messagePriority({ priority: 0 }), 0);
  assert.equal(messagePriority({ priority: 4 }), 4);
  assert.equal(messagePriority({ priority: 4.7 }), 4);
  assert.equal(messagePriority({ priority: 9 }), 9);
  assert.equal(messagePriority({ priority: 255 }), 9);
  assert.equal(messagePriority({ priority: -3 }), 0);
  assert.equal(messagePriority({ priority: Number.NaN }), 0);
  assert.equal(messagePriority({ priority: '5' as unknown as number }), 0);
});
