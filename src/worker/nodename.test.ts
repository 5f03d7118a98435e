import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandNodename } from './nodename.js';

test('expands %h, %n, %d and %% as Celery does', () => {
  assert.equal(expandNodename('w1@%h', 'box.example.com'), 'w1@box.example.com');
  assert.equal(expandNodename('%n-worker@%d', 'box.example.com'), 'box-worker@example.com');
  assert.equal(expandNodename('w%%1@%h', 'vm'), 'w%1@vm');
});

test('defaults to celery@host and appends @host to a bare name', () => {
  assert.equal(expandNodename(undefined, 'vm'), 'celery@vm');
  assert.equal(expandNodename('w1', 'vm'), 'w1@vm');
});
