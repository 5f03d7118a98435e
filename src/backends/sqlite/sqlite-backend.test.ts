import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { ManualClock } from '../../../test/conformance/manual-clock.js';
import { meta } from '../../../test/conformance/backend.conformance.js';
import { DecodeError } from '../../errors.js';
import { encodeResultMeta } from '../../protocol/result-codec.js';
import { RESULTS_TABLE } from './results-table.js';
import { SqliteBackend } from './sqlite-backend.js';

function tempDb(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-sqlite-backend-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'shared.db');
}

test('rows hold the Celery JSON, the status and the expiry; other tables in the file are untouched', async (t) => {
  const path = tempDb(t);
  const other = new Database(path);
  other.exec('CREATE TABLE transport_messages (id INTEGER PRIMARY KEY, body TEXT)');
  other.prepare('INSERT INTO transport_messages (body) VALUES (?)').run('{}');
  const clock = new ManualClock();
  const backend = new SqliteBackend({ path, clock, resultExpiresMs: 5_000 });
  const stored = meta('t1', 'SUCCESS', { sum: 4 }, { parentId: 'p1' });
  await backend.storeResult(stored);
  await backend.stop();
  const row = other.prepare(`SELECT status, meta, expires_at AS expiresAt FROM ${RESULTS_TABLE} WHERE task_id = ?`).get('t1');
  assert.deepEqual(row, { status: 'SUCCESS', meta: encodeResultMeta(stored), expiresAt: clock.now() + 5_000 });
  assert.deepEqual(other.prepare('SELECT count(*) AS n FROM transport_messages').get(), { n: 1 });
  assert.equal(other.pragma('journal_mode', { simple: true }), 'wal');
  other.close();
});

test('sweepExpired deletes expired rows only', async (t) => {
  const clock = new ManualClock();
  const backend = new SqliteBackend({ path: tempDb(t), clock, resultExpiresMs: 1_000 });
  t.after(() => backend.stop());
  await Promise.all(Array.from({ length: 2_500 }, (_, i) => backend.storeResult(meta(`old-${i}`, 'SUCCESS', i))));
  clock.advance(600);
  await backend.storeResult(meta('young', 'SUCCESS', 'y'));
  clock.advance(400);
  assert.equal(backend.sweepExpired(), 2_500);
  assert.equal(backend.sweepExpired(), 0);
  assert.equal((await backend.getMeta('young')).result, 'y');
});

test('a result kept forever has no expiry and is never swept', async (t) => {
  const clock = new ManualClock();
  const backend = new SqliteBackend({ path: tempDb(t), clock, resultExpiresMs: null });
  t.after(() => backend.stop());
  await backend.storeResult(meta('t1', 'SUCCESS', 1));
  clock.advance(10 * 365 * 86_400_000);
  assert.equal(backend.sweepExpired(), 0);
  assert.equal((await backend.getMeta('t1')).status, 'SUCCESS');
});

test("a waiter fails with DecodeError on a value another writer mangled; other waiters still wake", async (t) => {
  const path = tempDb(t);
  const backend = new SqliteBackend({ path, pollIntervalMs: 600_000 });
  t.after(() => backend.stop());
  await backend.start();
  const bad = backend.waitForReady('bad', { timeoutMs: 20_000 });
  const good = backend.waitForReady('good', { timeoutMs: 20_000 });
  const raw = new Database(path);
  const insert = raw.prepare(`INSERT INTO ${RESULTS_TABLE} (task_id, status, meta, expires_at, updated_at) VALUES (?, 'SUCCESS', ?, NULL, 0)`);
  raw.transaction(() => {
    insert.run('bad', '{"status": "SUCCESS", "result": ');
    insert.run('good', encodeResultMeta(meta('good', 'SUCCESS', 'ok')));
  })();
  raw.close();
  await assert.rejects(bad, DecodeError);
  assert.equal((await good).result, 'ok');
});

test('a commit refused by a locked file fails its callers with BACKEND_ERROR; the backend recovers', async (t) => {
  const path = tempDb(t);
  const backend = new SqliteBackend({ path, busyTimeoutMs: 20 });
  t.after(() => backend.stop());
  await backend.start();
  const locker = new Database(path);
  locker.exec('BEGIN IMMEDIATE'); // another connection holds the write lock
  await assert.rejects(backend.storeResult(meta('t1', 'SUCCESS', 1)), (error: Error & { code?: string; cause?: { code?: string } }) => {
    assert.equal(error.code, 'BACKEND_ERROR');
    assert.equal(error.cause?.code, 'SQLITE_BUSY');
    assert.equal(error.message, 'sqlite result backend: storing the SUCCESS result of task t1 failed: database is locked');
    return true;
  });
  const both = [backend.storeResult(meta('t2', 'SUCCESS', 2)), backend.storeResult(meta('t3', 'SUCCESS', 3))];
  for (const stored of both) await assert.rejects(stored, { code: 'BACKEND_ERROR', message: /storing 2 results failed/ });
  locker.exec('ROLLBACK');
  locker.close();
  await backend.storeResult(meta('t1', 'SUCCESS', 1));
  assert.equal((await backend.getMeta('t1')).result, 1);
});

test('a file that is not a database fails with BACKEND_ERROR naming it', async (t) => {
  const path = tempDb(t);
  writeFileSync(path, 'not a database, only text that is long enough to fill a header.........');
  const backend = new SqliteBackend({ path });
  await assert.rejects(backend.getMeta('t1'), (error: Error & { code?: string; cause?: { code?: string } }) => {
    assert.equal(error.code, 'BACKEND_ERROR');
    assert.equal(error.cause?.code, 'SQLITE_NOTADB');
    assert.match(error.message, /^sqlite result backend: opening .*shared\.db failed: file is not a database$/);
    return true;
  });
});

test('a pending wait holds the process open; the last waiter leaving releases it', async (t) => {
  const backend = new SqliteBackend({ path: tempDb(t) });
  t.after(() => backend.stop());
  await backend.start();
  const held = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = held();
  const controller = new AbortController();
  const first = backend.waitForReady('a', { signal: controller.signal });
  const second = backend.waitForReady('b', { timeoutMs: 60_000 });
  assert.equal(held(), before + 1, 'one handle, however many waiters');
  await backend.storeResult(meta('b', 'SUCCESS', 'b'));
  await second;
  assert.equal(held(), before + 1);
  controller.abort(new Error('gave up'));
  await assert.rejects(first, /gave up/);
  assert.equal(held(), before);
});

test('sweepExpired also drops a chord that never completed (with its parts) and expired saved groups', async (t) => {
  const path = tempDb(t);
  const clock = new ManualClock();
  const backend = new SqliteBackend({ path, clock, resultExpiresMs: 1_000 });
  t.after(() => backend.stop());
  await backend.setChordSize('g1', 2);
  await backend.chordPartReturn({ groupId: 'g1', taskId: 'a', groupIndex: 0, state: 'SUCCESS', result: 1 });
  await backend.saveGroup('g2', [['g2', null], []]);
  clock.advance(1_001);
  backend.sweepExpired();
  const db = new Database(path);
  t.after(() => db.close());
  for (const table of ['celeriac_chords', 'celeriac_chord_parts', 'celeriac_groups']) {
    assert.deepEqual(db.prepare(`SELECT count(*) AS n FROM ${table}`).get(), { n: 0 }, table);
  }
  assert.deepEqual(await backend.chordPartReturn({ groupId: 'g1', taskId: 'b', groupIndex: 1, state: 'SUCCESS', result: 2 }), { kind: 'closed' });
});
