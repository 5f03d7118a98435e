import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SqliteBackend, type SqliteBackendOptions } from '../../src/backends/sqlite/sqlite-backend.js';
import { serializeError } from '../../src/protocol/exception-codec.js';
import { backendConformance, meta } from './backend.conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'celeriac-backend-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = (): string => join(dir, `results-${files++}.db`);

backendConformance('sqlite://', {
  create: (options) => new SqliteBackend({ path: freshPath(), ...options }),
});

/** Far beyond any test's duration: a waiter woken in time was woken by the -wal watch, not the poll. */
const NO_POLL_MS = 600_000;

async function openBackend(t: TestContext, options: SqliteBackendOptions): Promise<SqliteBackend> {
  const backend = new SqliteBackend(options);
  await backend.start();
  t.after(() => backend.stop());
  return backend;
}

describe('sqlite result backend shared by connections and processes', () => {
  test('a second instance on the same file sees writes; its waiter is woken by the -wal watch', async (t) => {
    const path = freshPath();
    const writer = await openBackend(t, { path });
    const reader = await openBackend(t, { path, pollIntervalMs: NO_POLL_MS });
    const stored = meta(randomUUID(), 'SUCCESS', { answer: 42 });
    await writer.storeResult(stored);
    assert.deepEqual(await reader.getMeta(stored.taskId), stored);

    const slow = randomUUID();
    const fast = randomUUID();
    let slowSettled = false;
    const slowWait = reader.waitForReady(slow, { timeoutMs: 20_000 }).finally(() => (slowSettled = true));
    const fastWait = reader.waitForReady(fast, { timeoutMs: 20_000 });
    // STARTED for `slow` commits before SUCCESS for `fast`; the one query that settles `fast`
    // also sees `slow`'s STARTED row — and must not settle it.
    await writer.storeResult(meta(slow, 'STARTED', { pid: 1, hostname: 'w1@host' }));
    await writer.storeResult(meta(fast, 'SUCCESS', 'fast'));
    assert.equal((await fastWait).result, 'fast');
    assert.equal(slowSettled, false, 'woken by STARTED');
    await writer.storeResult(meta(slow, 'FAILURE', serializeError(new Error('slow failed'))));
    assert.equal((await slowWait).status, 'FAILURE');
  });

  test('falls back to polling when the -wal watch is off', async (t) => {
    const path = freshPath();
    const writer = await openBackend(t, { path });
    const reader = await openBackend(t, { path, watchWal: false, pollIntervalMs: 10 });
    const id = randomUUID();
    const waiting = reader.waitForReady(id, { timeoutMs: 20_000 });
    await writer.storeResult(meta(id, 'SUCCESS', 'polled'));
    assert.equal((await waiting).result, 'polled');
  });

  test('the SUCCESS guard holds across instances', async (t) => {
    const path = freshPath();
    const a = await openBackend(t, { path });
    const b = await openBackend(t, { path });
    const id = randomUUID();
    await a.storeResult(meta(id, 'SUCCESS', 'first'));
    await b.storeResult(meta(id, 'FAILURE', serializeError(new Error('duplicate delivery'))));
    assert.equal((await b.getMeta(id)).result, 'first');
    assert.equal((await a.getMeta(id)).result, 'first');
  });

  test("another process's write wakes a waiter at once", async (t) => {
    const path = freshPath();
    const reader = await openBackend(t, { path, pollIntervalMs: NO_POLL_MS });
    const id = randomUUID();
    const waiting = reader.waitForReady(id, { timeoutMs: 30_000 });
    const writer = fileURLToPath(new URL('./backend.sqlite-writer.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', writer, path, id, 'SUCCESS', '"from child"'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
    assert.equal(exitCode, 0);
    const got = await waiting;
    assert.equal(got.status, 'SUCCESS');
    assert.equal(got.result, 'from child');
  });
});
