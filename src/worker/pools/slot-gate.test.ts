import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PoolStoppedError } from './pool.js';
import { SlotGate } from './slot-gate.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('runs at most `size` jobs at once and starts the next waiting one when one ends', async () => {
  const gate = new SlotGate(2);
  const gates = [deferred(), deferred(), deferred()];
  const started: number[] = [];
  const results = gates.map((g, i) =>
    gate.run(async () => {
      started.push(i);
      await g.promise;
      return i;
    }),
  );
  await Promise.resolve();
  assert.deepEqual(started, [0, 1]);
  assert.equal(gate.waiting, 1);
  gates[0]!.resolve();
  assert.equal(await results[0], 0);
  await Promise.resolve();
  assert.deepEqual(started, [0, 1, 2]);
  gates[1]!.resolve();
  gates[2]!.resolve();
  assert.deepEqual(await Promise.all(results), [0, 1, 2]);
  await gate.drained();
});

test('growing starts waiting jobs at once; shrinking waits for running ones to end', async () => {
  const gate = new SlotGate(1);
  const hold = deferred();
  let started = 0;
  const jobs = [1, 2, 3].map(() =>
    gate.run(async () => {
      started++;
      await hold.promise;
    }),
  );
  await Promise.resolve();
  assert.equal(started, 1);
  gate.resize(3);
  await Promise.resolve();
  assert.equal(started, 3);
  gate.resize(1);
  assert.equal(gate.active, 3, 'running jobs are not stopped');
  hold.resolve();
  await Promise.all(jobs);
  assert.throws(() => gate.resize(0), RangeError);
});

test('close drops waiting jobs with PoolStoppedError and refuses new ones; running jobs finish', async () => {
  const gate = new SlotGate(1);
  const hold = deferred();
  let secondStarted = false;
  const first = gate.run(async () => hold.promise);
  const second = gate.run(async () => {
    secondStarted = true;
  });
  gate.close();
  await assert.rejects(second, PoolStoppedError);
  await assert.rejects(gate.run(async () => undefined), PoolStoppedError);
  hold.resolve();
  await first;
  await gate.drained();
  assert.equal(secondStarted, false);
});
