import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EntryList } from './entry-list.js';

test('keeps insertion order through removals at the ends and in the middle', () => {
  const list = new EntryList<string>();
  const entries = ['a', 'b', 'c', 'd', 'e'].map((v) => list.add(v));
  assert.equal(list.size, 5);
  assert.equal(list.remove(entries[0]!), true);
  assert.equal(list.remove(entries[2]!), true);
  assert.equal(list.remove(entries[4]!), true);
  assert.deepEqual(list.values(), ['b', 'd']);
  assert.equal(list.size, 2);
  list.add('f');
  assert.deepEqual(list.values(), ['b', 'd', 'f']);
  assert.equal(list.find((v) => v > 'c'), 'd');
  assert.equal(list.find((v) => v === 'z'), undefined);
});

test('removing an entry twice, or after drain(), does nothing', () => {
  const list = new EntryList<number>();
  const one = list.add(1);
  const two = list.add(2);
  assert.equal(list.remove(one), true);
  assert.equal(list.remove(one), false);
  assert.deepEqual(list.drain(), [2]);
  assert.equal(list.size, 0);
  assert.equal(list.remove(two), false);
  assert.deepEqual(list.values(), []);
  list.add(3);
  assert.deepEqual(list.values(), [3]);
});

test('a removed entry no longer points at its value or its neighbours', () => {
  const list = new EntryList<object>();
  list.add({});
  const middle = list.add({});
  list.add({});
  list.remove(middle);
  assert.equal(middle.value, undefined);
  assert.equal(middle.prev, null);
  assert.equal(middle.next, null);
  assert.equal(list.values().length, 2);
});

test('shift() takes values first in, first out', () => {
  const list = new EntryList<number>();
  list.add(1);
  const two = list.add(2);
  list.add(3);
  list.remove(two);
  assert.equal(list.shift(), 1);
  assert.equal(list.shift(), 3);
  assert.equal(list.shift(), undefined);
  assert.equal(list.size, 0);
});
