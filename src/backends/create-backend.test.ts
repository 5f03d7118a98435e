import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CeleriacError } from '../errors.js';
import { createBackend } from './create-backend.js';
import { MemoryBackend } from './memory/memory-backend.js';
import { SqliteBackend } from './sqlite/sqlite-backend.js';

test('createBackend: no URL, an empty one or "disabled" means no backend', () => {
  for (const url of [null, undefined, '', '  ', 'disabled']) assert.equal(createBackend(url), null);
});

test('createBackend: memory:// and cache+memory://', () => {
  assert.ok(createBackend('memory://') instanceof MemoryBackend);
  assert.ok(createBackend('cache+memory://') instanceof MemoryBackend);
});

test('createBackend: sqlite:// and db+sqlite:// name the same file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-create-backend-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const a = createBackend(`sqlite:///${dir}/r.db`, { resultExpiresMs: null });
  const b = createBackend(`db+sqlite:///${dir}/r.db`);
  assert.ok(a instanceof SqliteBackend && b instanceof SqliteBackend);
  t.after(() => Promise.all([a.stop(), b.stop()]));
  await a.storeResult({ taskId: 't1', status: 'SUCCESS', result: 1, traceback: null, children: [], dateDone: null });
  assert.equal((await b.getMeta('t1')).result, 1);
});

test('createBackend: an unknown scheme lists the supported ones (password hidden)', () => {
  assert.throws(
    () => createBackend('redis://:s3cret@localhost:6379/1'),
    (e) =>
      e instanceof CeleriacError &&
      e.code === 'UNSUPPORTED_BACKEND' &&
      e.message.includes('sqlite:///results.db') &&
      e.message.includes('memory://') &&
      !e.message.includes('s3cret'),
  );
});

test('createBackend: a malformed sqlite URL is BAD_URL', () => {
  assert.throws(() => createBackend('sqlite://host/x.db'), (e) => e instanceof CeleriacError && e.code === 'BAD_URL');
});
