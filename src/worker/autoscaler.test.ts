import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../testing/fake-clock.js';
import { AUTOSCALE_INTERVAL_MS, AUTOSCALE_KEEPALIVE_MS, Autoscaler } from './autoscaler.js';
import type { Pool } from './pools/pool.js';

/** A pool whose demand the test sets. */
function fakePool(concurrency: number) {
  const pool = { concurrency, active: 0, waiting: 0, resized: [] as number[] };
  return Object.assign(pool, {
    resize(n: number) {
      pool.concurrency = n;
      pool.resized.push(n);
    },
  });
}

test('grows to the demand up to max once a second, and shrinks to min only after the keepalive', () => {
  const clock = new FakeClock();
  const pool = fakePool(2);
  const scaler = new Autoscaler(pool as unknown as Pool, clock, { max: 6, min: 2 });
  scaler.start();
  pool.active = 2;
  pool.waiting = 7;
  clock.advance(AUTOSCALE_INTERVAL_MS);
  assert.equal(pool.concurrency, 6, 'capped at max');
  pool.active = 1;
  pool.waiting = 0;
  clock.advance(AUTOSCALE_KEEPALIVE_MS - AUTOSCALE_INTERVAL_MS);
  assert.equal(pool.concurrency, 6, 'not within the keepalive');
  clock.advance(2 * AUTOSCALE_INTERVAL_MS);
  assert.equal(pool.concurrency, 2, 'back to min (demand 1 < min 2)');
  scaler.stop();
  pool.waiting = 10;
  clock.advance(10 * AUTOSCALE_INTERVAL_MS);
  assert.deepEqual(pool.resized, [6, 2], 'a stopped autoscaler does nothing');
});
