// Several worker processes sharing one embedded (sqlite) broker file: each task runs once, also
// when workers hold ETA tasks past the visibility timeout; a killed or frozen worker loses none.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnWorker, stopAll } from './worker-processes.js';
import { assertRescued, doomedWorker, etaTasksRunOnce, readRuns, type ScenarioSetup } from './worker-scenarios.js';

const APP = 'test/fixtures/apps/multiprocess-app.ts';
const dir = mkdtempSync(join(tmpdir(), 'celeriac-mp-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type App = typeof import('../fixtures/apps/multiprocess-app.js');

/** A test's broker file and run log, the environment its workers share with its app. */
async function setUp(name: string, visibilityTimeoutS?: number): Promise<ScenarioSetup & { app: App }> {
  const log = join(dir, `${name}.log`);
  writeFileSync(log, '');
  const env: Record<string, string> = { MP_BROKER_URL: `sqlite:///${join(dir, `${name}.db`)}`, MP_LOG: log };
  if (visibilityTimeoutS !== undefined) env.MP_VISIBILITY_TIMEOUT = String(visibilityTimeoutS);
  delete process.env.MP_VISIBILITY_TIMEOUT;
  Object.assign(process.env, env);
  // A fresh module instance per test, so each test has its own app and broker file.
  const app = (await import(`../fixtures/apps/multiprocess-app.ts?${name}`)) as App;
  return { appPath: APP, env, hangEnv: { MP_HANG: '1' }, log, app };
}

test('two worker processes on one sqlite file run each of 2,000 tasks exactly once', async () => {
  const { env, log, app } = await setUp('once');
  const workers = await Promise.all(['a', 'b'].map((n) => spawnWorker(['-A', APP, '-c', '8', '-n', `${n}@%h`], env)));
  try {
    const n = 2000;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => app.record.delay(i)));
    const values = await Promise.all(results.map((r) => r.get({ timeout: 60_000 })));
    assert.deepEqual(values, Array.from({ length: n }, (_, i) => i));
    const runs = readRuns(log);
    assert.equal(new Set(runs.map((r) => r.i)).size, n, 'some task never ran');
    assert.equal(runs.length, n, `${runs.length - n} task run(s) were duplicates`);
    assert.equal(new Set(runs.map((r) => r.pid)).size, 2, 'both workers should have taken part');
  } finally {
    const codes = await stopAll(workers);
    await app.app.close();
    assert.deepEqual(codes, [0, 0], 'warm shutdown exits 0');
  }
});

test('visibility timeout 2 s, ETA 6 s, three workers on one file, 200 tasks: each runs once, at or after its ETA', async () => {
  // The workers hold the tasks unacked three times longer than the visibility timeout: only
  // renewing their leases keeps them from being given to another worker.
  await etaTasksRunOnce(await setUp('eta', 2), 6_000);
});

test('a worker killed with SIGKILL while holding acksLate tasks loses none: another worker completes them', async () => {
  // Visibility timeout 1 hour: only the dead pid gives the messages back within the test.
  const setup = await setUp('kill');
  const { doomed, results } = await doomedWorker(setup);
  try {
    doomed.child.kill('SIGKILL');
    assert.equal(await doomed.exited, 'SIGKILL');
    const rescuer = await spawnWorker(['-A', APP, '-c', '4', '-n', 'rescuer@%h'], setup.env);
    try {
      await assertRescued(setup, results, rescuer);
    } finally {
      await stopAll([rescuer]);
    }
  } finally {
    doomed.child.kill('SIGKILL');
    await setup.app.app.close();
  }
});

test('a worker frozen with SIGSTOP while holding acksLate tasks loses none: after the visibility timeout another worker completes them, once', async () => {
  // Its process lives on and its heartbeat counts as recent for a minute: only its leases, no
  // longer renewed, running out after the visibility timeout (2 s) give the tasks back.
  const setup = await setUp('freeze', 2);
  const { doomed, results } = await doomedWorker(setup);
  const rescuer = await spawnWorker(['-A', APP, '-c', '4', '-n', 'rescuer@%h'], setup.env);
  try {
    doomed.child.kill('SIGSTOP');
    await assertRescued(setup, results, rescuer);
  } finally {
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    await stopAll([rescuer]);
    await setup.app.app.close();
  }
});
