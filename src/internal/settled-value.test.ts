import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SettledValue } from './settled-value.js';

test('the value is readable once the promise has fulfilled, and never for a rejection', async () => {
  const up = new SettledValue(Promise.resolve('transport'));
  assert.equal(up.fulfilled, false);
  await up.promise;
  assert.equal(up.fulfilled, true);
  assert.equal(up.value, 'transport');

  const failed = new SettledValue(Promise.reject(new Error('refused')));
  await assert.rejects(failed.promise, /refused/);
  assert.equal(failed.fulfilled, false);
  assert.equal(failed.value, undefined);
});
