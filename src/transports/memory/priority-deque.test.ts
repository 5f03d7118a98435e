import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PriorityDeque } from './priority-deque.js';
import { RingDeque } from './ring-deque.js';

describe('RingDeque', () => {
  test('FIFO through many growths, with pushes at the front', () => {
    const deque = new RingDeque<number>(2);
    for (let i = 0; i < 1000; i++) deque.push(i);
    deque.unshift(-1);
    assert.equal(deque.length, 1001);
    const out: number[] = [];
    for (let item = deque.shift(); item !== undefined; item = deque.shift()) out.push(item);
    assert.deepEqual(out, [-1, ...Array.from({ length: 1000 }, (_, i) => i)]);
    assert.equal(deque.shift(), undefined);
  });

  test('wraps around without losing order', () => {
    const deque = new RingDeque<number>(4);
    const out: number[] = [];
    for (let i = 0; i < 50; i++) {
      deque.push(i);
      deque.push(i + 1000);
      out.push(deque.shift()!);
    }
    while (deque.length > 0) out.push(deque.shift()!);
    assert.equal(out.length, 100);
    assert.equal(deque.clear(), 0);
  });
});

describe('PriorityDeque', () => {
  test('serves the lowest priority first, FIFO within one; unshift goes first of its level', () => {
    const deque = new PriorityDeque<string>();
    deque.push('a5', 5);
    deque.push('b0', 0);
    deque.push('c9', 9);
    deque.push('d0', 0);
    deque.unshift('e5', 5);
    assert.equal(deque.length, 5);
    const out: string[] = [];
    for (let item = deque.shift(); item !== undefined; item = deque.shift()) out.push(item);
    assert.deepEqual(out, ['b0', 'd0', 'e5', 'a5', 'c9']);
    deque.push('late3', 3);
    deque.push('late1', 1);
    assert.equal(deque.shift(), 'late1');
    assert.equal(deque.clear(), 1);
    assert.equal(deque.length, 0);
  });
});
