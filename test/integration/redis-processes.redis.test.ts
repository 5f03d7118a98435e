/**
 * Redis guarantees that only show with real worker processes (`celeriac worker`, spawned) on a
 * live Redis (`CELERIAC_TEST_REDIS_URL`): ETA tasks held past the visibility timeout run exactly
 * once (kombu#337), and a worker killed with SIGKILL loses nothing. Each test has its own key
 * prefix and run log; runs are read back from the log, one line per run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { deleteKeys, redisTestUrl, redisUnavailable, uniqueKeyPrefix } from '../support/redis-test-server.js';
import { spawnWorker, stopAll, type WorkerProcess } from './worker-processes.js';
import { assertRescued, doomedWorker, etaTasksRunOnce, type ScenarioSetup } from './worker-scenarios.js';

const APP = 'test/fixtures/apps/redis-process-app.ts';
const skip = await redisUnavailable();
const dir = mkdtempSync(join(tmpdir(), 'celeriac-redis-mp-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A test's own broker keys, run log and environment for its workers. */
interface Setup extends ScenarioSetup {
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
  return { appPath: APP, env, hangEnv: { RP_HANG: '1' }, log, prefix, app };
}

describe('Redis with worker processes', { skip, timeout: 180_000 }, () => {
  const prefixes: string[] = [];
  after(async () => {
    for (const prefix of prefixes) await deleteKeys(redisTestUrl, prefix);
  });

  test('visibility timeout 2 s, ETA 6 s, three workers, 200 tasks: each runs once, at or after its ETA', async () => {
    const setup = await setUp('eta', 2);
    prefixes.push(setup.prefix);
    await etaTasksRunOnce(setup, 6_000);
  });

  test('SIGKILL with acksLate loses nothing: a running worker takes over after the visibility timeout', async () => {
    const setup = await setUp('kill-running', 2);
    prefixes.push(setup.prefix);
    const { doomed, results } = await doomedWorker(setup);
    const rescuer = await spawnWorker(['-A', APP, '-c', '4', '-n', 'rescuer@%h'], setup.env);
    try {
      doomed.child.kill('SIGKILL');
      assert.equal(await doomed.exited, 'SIGKILL');
      await assertRescued(setup, results, rescuer);
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
      await assertRescued(setup, results, rescuer);
    } finally {
      doomed.child.kill('SIGKILL');
      redis.disconnect();
      if (rescuer !== undefined) await stopAll([rescuer]);
      await setup.app.app.close();
    }
  });
});
