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
});
