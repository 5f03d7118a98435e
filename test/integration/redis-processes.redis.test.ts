/**
 * Redis guarantees that only show with real worker processes (`celeriac worker`, spawned) on a
 * live Redis (`CELERIAC_TEST_REDIS_URL`): ETA tasks held past the visibility timeout run exactly
 * once (kombu#337), and a worker killed with SIGKILL loses nothing. Each test has its own key
 * prefix and run log; runs are read back from the log, one line per run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { deleteKeys, redisTestUrl, redisUnavailable, uniqueKeyPrefix } from '../support/redis-test-server.js';
import { spawnWorker, type WorkerProcess } from './worker-processes.js';

const APP = 'test/fixtures/apps/redis-process-app.ts';
const skip = await redisUnavailable();
const dir = mkdtempSync(join(tmpdir(), 'celeriac-redis-mp-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  i: number;
  pid: number;
  ranAtMs: number;
  redelivered: boolean;
}

function readRuns(log: string): Run[] {
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [i, pid, ranAt, redelivered] = line.split(' ');
      return { i: Number(i), pid: Number(pid), ranAtMs: Number(ranAt), redelivered: redelivered === 'true' };
    });
}

/** A test's own broker keys, run log and environment for its workers. */
interface Setup {
  env: Record<string, string>;
  log: string;
  prefix: string;
  app: typeof import('../fixtures/apps/redis-process-app.js');
}

async function setUp(name: string, visibilityTimeoutS: number): Promise<Setup> {
  const prefix = uniqueKeyPrefix();
  const log = join(dir, `${name}.log`);
  writeFileSync(log, '');
  const env = { RP_BROKER_URL: redisTestUrl, RP_KEYPREFIX: prefix, RP_VISIBILITY_TIMEOUT: String(visibilityTimeoutS), RP_LOG: log };
  Object.assign(process.env, env);
  // A fresh module instance per test, so each test's app has its own key prefix.
  const app = (await import(`../fixtures/apps/redis-process-app.ts?${name}`)) as Setup['app'];
  return { env, log, prefix, app };
}

async function stopAll(workers: readonly WorkerProcess[]): Promise<Array<number | string>> {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  return Promise.all(workers.map((w) => w.exited));
}

describe('Redis with worker processes', { skip, timeout: 180_000 }, () => {
  const prefixes: string[] = [];
  after(async () => {
    for (const prefix of prefixes) await deleteKeys(redisTestUrl, prefix);
  });

  test('visibility timeout 2 s, ETA 6 s, three workers, 200 tasks: each runs once, at or after its ETA', async () => {
    const { env, log, prefix, app } = await setUp('eta', 2);
    prefixes.push(prefix);
    // Prefetch 80 each: the three workers can hold all 200 ETA tasks at once, so they wait
    // unacked three times longer than the visibility timeout.
    const args = ['-A', APP, '-c', '8', '--prefetch-multiplier', '10'];
    const workers = await Promise.all(['a', 'b', 'c'].map((n) => spawnWorker([...args, '-n', `${n}@%h`], env)));
    try {
      const n = 200;
      const etas: number[] = [];
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) => {
          const eta = new Date(Date.now() + 6_000);
          etas[i] = eta.getTime();
          return app.record.applyAsync([i], {}, { eta });
        }),
      );
      const values = await Promise.all(results.map((r) => r.get({ timeout: 120_000 })));
      assert.deepEqual(values, Array.from({ length: n }, (_, i) => i));
      const runs = readRuns(log);
      assert.equal(new Set(runs.map((r) => r.i)).size, n, 'some task never ran');
      assert.equal(runs.length, n, `${runs.length - n} run(s) were duplicates`);
      for (const run of runs) {
        assert.ok(run.ranAtMs >= etas[run.i]!, `task ${run.i} ran ${etas[run.i]! - run.ranAtMs} ms before its ETA`);
        assert.equal(run.redelivered, false, `task ${run.i} was restored while a live worker held it`);
      }
    } finally {
      const codes = await stopAll(workers);
      await app.app.close();
      assert.deepEqual(codes, [0, 0, 0], 'warm shutdown exits 0');
    }
  });

  /** Starts a worker that takes four acksLate `rp.hang` tasks and hangs in them. */
  async function doomedWorker(setup: Setup): Promise<{ doomed: WorkerProcess; results: Array<{ get(o: { timeout: number }): Promise<unknown> }> }> {
    const doomed = await spawnWorker(['-A', APP, '-c', '4', '-n', 'doomed@%h'], { ...setup.env, RP_HANG: '1' });
    const results = await Promise.all([1, 2, 3, 4].map((i) => setup.app.hang.delay(i)));
    for (const i of [1, 2, 3, 4]) await doomed.waitForLine(new RegExp(`^STARTED ${i}$`));
    return { doomed, results };
  }

  test('SIGKILL with acksLate loses nothing: a running worker takes over after the visibility timeout', async () => {
    const setup = await setUp('kill-running', 2);
    prefixes.push(setup.prefix);
    const { doomed, results } = await doomedWorker(setup);
    const rescuer = await spawnWorker(['-A', APP, '-c', '4', '-n', 'rescuer@%h'], setup.env);
    try {
      doomed.child.kill('SIGKILL');
      assert.equal(await doomed.exited, 'SIGKILL');
      const values = await Promise.all(results.map((r) => r.get({ timeout: 60_000 })));
      assert.deepEqual(values, [2, 4, 6, 8]);
      const runs = readRuns(setup.log);
      assert.deepEqual(runs.map((r) => r.i).sort(), [1, 2, 3, 4], 'each ran once, in the rescuer');
      assert.ok(runs.every((r) => r.pid === rescuer.child.pid && r.redelivered));
    } finally {
      doomed.child.kill('SIGKILL');
      await stopAll([rescuer]);
      await setup.app.app.close();
    }
  });

  test('SIGKILL with acksLate: a worker started afterwards restores the dead worker\'s messages at once', async () => {
    // Visibility timeout 1 hour, and the dead worker's liveness key made to last 10 minutes:
    // neither kombu's rule nor the heartbeat can bring the messages back within the test; only
    // the starting worker seeing that the dead worker's process is gone can.
    const setup = await setUp('kill-restart', 3600);
    prefixes.push(setup.prefix);
    const { doomed, results } = await doomedWorker(setup);
    const redis = new Redis(redisTestUrl);
    let rescuer: WorkerProcess | undefined;
    try {
      doomed.child.kill('SIGKILL');
      assert.equal(await doomed.exited, 'SIGKILL');
      const liveness = await redis.keys(`${setup.prefix}celeriac.consumer.*`);
      assert.equal(liveness.length, 1, 'the dead worker was registered');
      await redis.pexpire(liveness[0]!, 600_000);
      assert.equal(await redis.hlen(`${setup.prefix}unacked`), 4, 'the dead worker held all four');
      rescuer = await spawnWorker(['-A', APP, '-c', '4', '-n', 'rescuer@%h'], setup.env);
      const values = await Promise.all(results.map((r) => r.get({ timeout: 60_000 })));
      assert.deepEqual(values, [2, 4, 6, 8]);
      const runs = readRuns(setup.log);
      assert.deepEqual(runs.map((r) => r.i).sort(), [1, 2, 3, 4], 'each ran once, in the rescuer');
      assert.ok(runs.every((r) => r.pid === rescuer!.child.pid && r.redelivered));
    } finally {
      doomed.child.kill('SIGKILL');
      redis.disconnect();
      if (rescuer !== undefined) await stopAll([rescuer]);
      await setup.app.app.close();
    }
  });
});
