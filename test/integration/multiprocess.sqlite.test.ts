// Several worker processes sharing one embedded (sqlite) broker file.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnWorker } from './worker-processes.js';

const dir = mkdtempSync(join(tmpdir(), 'celeriac-mp-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function loadApp(brokerUrl: string, log: string) {
  process.env.MP_BROKER_URL = brokerUrl;
  process.env.MP_LOG = log;
  // A fresh module instance per test, so each test has its own app and broker file.
  return import(`../fixtures/apps/multiprocess-app.ts?${Math.random()}`) as Promise<typeof import('../fixtures/apps/multiprocess-app.js')>;
}

test('two worker processes on one sqlite file run each of 2,000 tasks exactly once', async () => {
  const broker = `sqlite:///${join(dir, 'once.db')}`;
  const log = join(dir, 'once.log');
  writeFileSync(log, '');
  const { app, record } = await loadApp(broker, log);
  const env = { MP_BROKER_URL: broker, MP_LOG: log };
  const workers = await Promise.all([
    spawnWorker(['-A', 'test/fixtures/apps/multiprocess-app.ts', '-c', '8', '-n', 'a@%h'], env),
    spawnWorker(['-A', 'test/fixtures/apps/multiprocess-app.ts', '-c', '8', '-n', 'b@%h'], env),
  ]);
  try {
    const n = 2000;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => record.delay(i)));
    const values = await Promise.all(results.map((r) => r.get({ timeout: 60_000 })));
    assert.deepEqual(values, Array.from({ length: n }, (_, i) => i));
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    const ids = lines.map((l) => Number(l.split(' ')[0]));
    assert.equal(new Set(ids).size, n, 'some task never ran');
    assert.equal(lines.length, n, `${lines.length - n} task run(s) were duplicates`);
    const pids = new Set(lines.map((l) => l.split(' ')[1]));
    assert.equal(pids.size, 2, 'both workers should have taken part');
  } finally {
    for (const w of workers) w.child.kill('SIGTERM');
    const codes = await Promise.all(workers.map((w) => w.exited));
    await app.close();
    assert.deepEqual(codes, [0, 0], 'warm shutdown exits 0');
  }
});

test('a worker killed with SIGKILL while holding acksLate tasks loses none: another worker completes them', async () => {
  const broker = `sqlite:///${join(dir, 'kill.db')}`;
  const { app, hang } = await loadApp(broker, join(dir, 'kill.log'));
  const doomed = await spawnWorker(['-A', 'test/fixtures/apps/multiprocess-app.ts', '-c', '4', '-n', 'doomed@%h'], {
    MP_BROKER_URL: broker,
    MP_HANG: '1',
  });
  try {
    const results = await Promise.all([1, 2, 3, 4].map((i) => hang.delay(i)));
    // All four are running (unacked) in the doomed worker.
    for (const i of [1, 2, 3, 4]) await doomed.waitForLine(new RegExp(`^STARTED ${i}$`));
    doomed.child.kill('SIGKILL');
    assert.equal(await doomed.exited, 'SIGKILL');
    const rescuer = await spawnWorker(['-A', 'test/fixtures/apps/multiprocess-app.ts', '-c', '4', '-n', 'rescuer@%h'], {
      MP_BROKER_URL: broker,
    });
    try {
      const values = await Promise.all(results.map((r) => r.get({ timeout: 30_000 })));
      assert.deepEqual(values, [2, 4, 6, 8]);
    } finally {
      rescuer.child.kill('SIGTERM');
      await rescuer.exited;
    }
  } finally {
    doomed.child.kill('SIGKILL');
    await app.close();
  }
});
