import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CeleriacError } from '../errors.js';
import { createBackend } from './create-backend.js';
import { MemoryBackend } from './memory/memory-backend.js';
import { RedisBackend } from './redis/redis-backend.js';
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
    () => createBackend('mongodb://:s3cret@localhost:27017/1'),
    (e) =>
      e instanceof CeleriacError &&
      e.code === 'UNSUPPORTED_BACKEND' &&
      e.message.includes('sqlite:///results.db') &&
      e.message.includes('memory://') &&
      e.message.includes('redis://localhost:6379/0') &&
      !e.message.includes('s3cret'),
  );
});

test('createBackend: redis://, rediss://, redis+socket://, unix:// and sentinel:// make a Redis backend (no I/O yet)', async () => {
  const backends = [
    createBackend('redis://:s3cret@localhost:6379/1'),
    createBackend('rediss://localhost:6380/0'),
    createBackend('redis+socket:///run/redis.sock?virtual_host=2'),
    createBackend('unix:///run/redis.sock'),
    createBackend('sentinel://localhost:26379;sentinel://other:26379', { transportOptions: { masterName: 'mymaster' } }),
  ];
  for (const backend of backends) assert.ok(backend instanceof RedisBackend);
  // Connections open on first use: stopping a backend never used does no I/O.
  for (const backend of backends) await backend?.stop();
});

test('createBackend: global_keyprefix is taken; options without effect are reported', () => {
  const warnings: string[] = [];
  const backend = createBackend('redis://localhost/0', {
    transportOptions: { globalKeyprefix: 'tenant', visibilityTimeoutMs: 5_000 },
    logger: { warn: (message) => warnings.push(message) },
  });
  assert.ok(backend instanceof RedisBackend);
  assert.equal(backend.keys.task('id'), 'tenant_celery-task-meta-id');
  assert.deepEqual(warnings, ["result_backend_transport_options 'visibility_timeout' has no effect on the Redis result backend"]);
});

test('createBackend: a sentinel URL needs master_name; a malformed Redis URL is BAD_URL', () => {
  assert.throws(() => createBackend('sentinel://localhost:26379'), (e) => e instanceof CeleriacError && e.code === 'CONFIG_INVALID');
  assert.throws(() => createBackend('redis://localhost:6379/notadb'), (e) => e instanceof CeleriacError && e.code === 'BAD_URL');
});

test('createBackend: a malformed sqlite URL is BAD_URL', () => {
  assert.throws(() => createBackend('sqlite://host/x.db'), (e) => e instanceof CeleriacError && e.code === 'BAD_URL');
});
