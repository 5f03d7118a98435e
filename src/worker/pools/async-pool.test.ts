import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncPool, PoolStoppedError } from './async-pool.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('runs at most `concurrency` jobs at once and starts the next when one ends', async () => {
  const pool = new AsyncPool(2);
  const gates = [deferred(), deferred(), deferred()];
  const started: number[] = [];
  const results = gates.map((g, i) =>
    pool.run(async () => {
      started.push(i);
      await g.promise;
      return i;
    }),
  );
  await Promise.resolve();
  assert.deepEqual(started, [0, 1]);
  assert.equal(pool.waiting, 1);
  gates[0]!.resolve();
  assert.equal(await results[0], 0);
  await Promise.resolve();
  assert.deepEqual(started, [0, 1, 2]);
  gates[1]!.resolve();
  gates[2]!.resolve();
  assert.deepEqual(await Promise.all(results), [0, 1, 2]);
  await pool.drained();
});

test('graceful stop waits for running jobs and never starts waiting ones', async () => {
  const pool = new AsyncPool(1);
  const gate = deferred();
  let secondStarted = false;
  const first = pool.run(async () => gate.promise);
  const second = pool.run(async () => {
    secondStarted = true;
  });
  const stopping = pool.stop({ graceful: true });
  await assert.rejects(second, PoolStoppedError);
  gate.resolve();
  await first;
  await stopping;
  assert.equal(secondStarted, false);
});

test('cold stop aborts the signal running jobs hold', async () => {
  const pool = new AsyncPool(1);
  let aborted = false;
  const job = pool.run(
    (signal) =>
      new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          aborted = true;
          resolve();
        });
      }),
  );
  await pool.stop({ graceful: false });
  await job;
  assert.equal(aborted, true);
});
