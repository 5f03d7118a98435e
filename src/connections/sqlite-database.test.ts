import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isInMemorySqlitePath, openSqliteDatabase } from './sqlite-database.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-sqlite-db-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('opens a file in WAL with synchronous=NORMAL and the busy timeout, creating its directory', (t) => {
  const path = join(tempDir(t), 'nested', 'deeper', 'broker.db');
  const db = openSqliteDatabase(path, { busyTimeoutMs: 1_234.9 });
  t.after(() => db.close());
  assert.equal(existsSync(path), true);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('synchronous', { simple: true }), 1); // NORMAL
  assert.equal(db.pragma('busy_timeout', { simple: true }), 1_234);
  assert.equal(db.pragma('journal_size_limit', { simple: true }), 67_108_864);
});

test('two connections to one file (a transport and a backend) both get WAL', (t) => {
  const path = join(tempDir(t), 'shared.db');
  const a = openSqliteDatabase(path, { busyTimeoutMs: 100 });
  const b = openSqliteDatabase(path, { busyTimeoutMs: 100 });
  t.after(() => {
    a.close();
    b.close();
  });
  a.exec('CREATE TABLE celeriac_messages (id INTEGER PRIMARY KEY)');
  b.exec('CREATE TABLE celeriac_results (task_id TEXT PRIMARY KEY)');
  assert.equal(b.pragma('journal_mode', { simple: true }), 'wal');
  assert.deepEqual(
    a.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all(),
    ['celeriac_messages', 'celeriac_results'],
  );
});

test(':memory: and the empty path open private in-memory databases', () => {
  assert.equal(isInMemorySqlitePath(':memory:'), true);
  assert.equal(isInMemorySqlitePath(''), true);
  assert.equal(isInMemorySqlitePath('x.db'), false);
  const db = openSqliteDatabase(':memory:', { busyTimeoutMs: 10 });
  assert.equal(db.memory, true);
  db.close();
});

test('a file that is not a database fails with the driver error and leaves nothing open', (t) => {
  const path = join(tempDir(t), 'not-a.db');
  writeFileSync(path, 'this is not a sqlite file, just text long enough to have a header.......');
  assert.throws(() => openSqliteDatabase(path, { busyTimeoutMs: 10 }), { code: 'SQLITE_NOTADB' });
});
