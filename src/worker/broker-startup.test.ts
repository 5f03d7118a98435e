import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startupRetryDelayMs } from './broker-startup.js';

test("start-up retries wait 2, 4, 6 … s and then 30 s each, as kombu's ensure_connection", () => {
  assert.deepEqual([1, 2, 3, 14, 15, 16, 100].map(startupRetryDelayMs), [2_000, 4_000, 6_000, 28_000, 30_000, 30_000, 30_000]);
});
