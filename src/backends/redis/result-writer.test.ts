import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResultWriter } from './result-writer.js';

/** A store that records each call and settles when told to. */
function recordingStore() {
  const calls: { keys: readonly string[]; values: readonly string[]; settle(error?: Error): void }[] = [];
  const store = (keys: readonly string[], values: readonly string[]) =>
    new Promise<unknown>((resolve, reject) => calls.push({ keys, values, settle: (error) => (error ? reject(error) : resolve(0)) }));
  return { calls, store };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('ResultWriter: the writes of one turn go out as one call, split by count and size', async () => {
  const { calls, store } = recordingStore();
  const writer = new ResultWriter(store, { maxBatchSize: 3, maxBatchChars: 10 });
  const writes = ['k1', 'k2', 'k3', 'k4'].map((key) => writer.write(key, 'v'));
  const big = [writer.write('k5', 'x'.repeat(10)), writer.write('k6', 'y')];
  assert.equal(calls.length, 0, 'nothing is sent before the turn ends');
  await turn();
  assert.deepEqual(
    calls.map((c) => c.keys),
    [['k1', 'k2', 'k3'], ['k4', 'k5'], ['k6']],
  );
  for (const call of calls) call.settle();
  await Promise.all([...writes, ...big]);
});

test('ResultWriter: each promise settles with its own call; a failed call rejects only its writes', async () => {
  const { calls, store } = recordingStore();
  const writer = new ResultWriter(store, { maxBatchSize: 1, maxBatchChars: 1_000 });
  const first = writer.write('a', '1');
  const second = writer.write('b', '2');
  await turn();
  calls[1]!.settle(new Error('OOM'));
  await assert.rejects(second, /OOM/);
  let firstSettled = false;
  void first.then(() => (firstSettled = true));
  await turn();
  assert.equal(firstSettled, false);
  calls[0]!.settle();
  await first;
});

test('ResultWriter: flush sends at once; drained waits for the last call', async () => {
  const { calls, store } = recordingStore();
  const writer = new ResultWriter(store, { maxBatchSize: 10, maxBatchChars: 1_000 });
  const write = writer.write('a', '1');
  writer.flush();
  assert.equal(calls.length, 1);
  let drained = false;
  const draining = writer.drained().then(() => (drained = true));
  await turn();
  assert.equal(drained, false);
  calls[0]!.settle(new Error('down'));
  await draining;
  await assert.rejects(write, /down/);
});
