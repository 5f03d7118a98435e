import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WriteBatcher } from './write-batcher.js';

test('WriteBatcher commits everything added in one turn as one batch', async () => {
  const commits: number[][] = [];
  const batcher = new WriteBatcher<number>({ maxBatchSize: 100, commit: (items) => void commits.push([...items]) });
  const settled = Promise.all(Array.from({ length: 50 }, (_, i) => batcher.add(i)));
  assert.equal(batcher.pending, true);
  assert.deepEqual(commits, [], 'nothing is written before the turn ends');
  await settled;
  assert.deepEqual(commits, [Array.from({ length: 50 }, (_, i) => i)]);
  assert.equal(batcher.pending, false);
});

test('WriteBatcher splits at maxBatchSize, one transaction per turn, in order', async () => {
  const commits: number[][] = [];
  const batcher = new WriteBatcher<number>({ maxBatchSize: 4, commit: (items) => void commits.push([...items]) });
  await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.add(i)));
  assert.deepEqual(commits, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
});

test('WriteBatcher fails only the batch whose commit threw; drained() never rejects', async () => {
  let calls = 0;
  const batcher = new WriteBatcher<string>({
    maxBatchSize: 2,
    commit: () => {
      if (calls++ === 0) throw new Error('SQLITE_FULL');
    },
  });
  const outcomes = Promise.allSettled([batcher.add('a'), batcher.add('b'), batcher.add('c')]);
  await batcher.drained();
  const [a, b, c] = await outcomes;
  assert.equal(a?.status, 'rejected');
  assert.equal(b?.status, 'rejected');
  assert.match(String(a.status === 'rejected' ? a.reason : ''), /SQLITE_FULL/);
  assert.equal(c?.status, 'fulfilled');
});

test('WriteBatcher.flushAll commits synchronously', async () => {
  const commits: string[][] = [];
  const batcher = new WriteBatcher<string>({ maxBatchSize: 1, commit: (items) => void commits.push([...items]) });
  const done = Promise.all([batcher.add('x'), batcher.add('y')]);
  batcher.flushAll();
  assert.deepEqual(commits, [['x'], ['y']]);
  await done;
});
