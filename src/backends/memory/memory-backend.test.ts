import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../../test/conformance/manual-clock.js';
import { meta } from '../../../test/conformance/backend.conformance.js';
import { MemoryBackend } from './memory-backend.js';

test('MemoryBackend.sweepExpired drops expired entries only, oldest first', async () => {
  const clock = new ManualClock();
  const backend = new MemoryBackend({ clock, resultExpiresMs: 1_000 });
  await backend.storeResult(meta('a', 'SUCCESS', 1));
  clock.advance(500);
  await backend.storeResult(meta('b', 'SUCCESS', 2));
  await backend.storeResult(meta('c', 'STARTED', null));
  clock.advance(500);
  // Rewriting 'c' moves it to the back: still in expiry order.
  await backend.storeResult(meta('c', 'SUCCESS', 3));
  assert.equal(backend.sweepExpired(), 1);
  assert.equal(backend.size, 2);
  clock.advance(500);
  assert.equal(backend.sweepExpired(), 1);
  assert.deepEqual((await backend.getMeta('c')).result, 3);
  clock.advance(500);
  assert.equal(backend.sweepExpired(), 1);
  assert.equal(backend.size, 0);
  await backend.stop();
});

test('sweepExpired drops chords that never completed and expired saved groups', async () => {
  const clock = new ManualClock();
  const backend = new MemoryBackend({ clock, resultExpiresMs: 1_000 });
  await backend.setChordSize('g1', 2);
  await backend.saveGroup('g2', [['g2', null], []]);
  clock.advance(1_001);
  assert.equal(backend.sweepExpired(), 2);
  assert.equal(await backend.restoreGroup('g2'), null);
  await backend.stop();
});
