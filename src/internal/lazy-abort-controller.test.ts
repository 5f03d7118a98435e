import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LazyAbortController } from './lazy-abort-controller.js';

test('a signal read after the abort is already aborted with the first reason', () => {
  const c = new LazyAbortController();
  c.abort('first');
  c.abort('second');
  assert.equal(c.aborted, true);
  assert.equal(c.signal.aborted, true);
  assert.equal(c.signal.reason, 'first');
});

test('a signal read before the abort fires its listeners; listeners hear once and can be removed', () => {
  const c = new LazyAbortController();
  const seen: unknown[] = [];
  c.signal.addEventListener('abort', () => seen.push(['signal', c.signal.reason]));
  const kept = { handleAbort: (r: unknown) => seen.push(['kept', r]) };
  const removed = { handleAbort: (r: unknown) => seen.push(['removed', r]) };
  c.addListener(kept);
  c.addListener(removed);
  c.removeListener(removed);
  c.abort('why');
  c.abort('again');
  assert.deepEqual(seen, [['signal', 'why'], ['kept', 'why']]);
  const late: unknown[] = [];
  c.addListener({ handleAbort: (r) => late.push(r) });
  assert.deepEqual(late, ['why'], 'a late listener hears at once');
});

test('abort without a reason gives an AbortError, as AbortController', () => {
  const c = new LazyAbortController();
  c.abort();
  assert.equal((c.reason as DOMException).name, 'AbortError');
});
