/**
 * A global rate limit across worker processes on a live Redis (`CELERIAC_TEST_REDIS_URL`): two
 * `celeriac worker` processes share `{ limit: '5/s', scope: 'global' }`, so together they start
 * at most one task per 200 ms — where per-worker limits (Celery's) would allow twice that.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { deleteKeys, redisTestUrl, redisUnavailable, uniqueKeyPrefix } from '../support/redis-test-server.js';
import { spawnWorker, type WorkerProcess } from './worker-processes.js';

const APP = 'test/fixtures/apps/rate-limit-app.ts';
const skip = await redisUnavailable();

describe('global rate limit on Redis', { skip, timeout: 120_000 }, () => {
  const prefix = uniqueKeyPrefix();
  after(() => deleteKeys(redisTestUrl, prefix));

  test("two worker processes together start at most one '5/s' task per 200 ms, and both take part", async () => {
    const env = { RL_BROKER_URL: redisTestUrl, RL_KEYPREFIX: prefix };
    Object.assign(process.env, env);
    const { app, stamp } = await import('../fixtures/apps/rate-limit-app.js');
    const workers: WorkerProcess[] = await Promise.all(['a', 'b'].map((n) => spawnWorker(['-A', APP, '-c', '4', '-n', `${n}@%h`], env)));
    try {
      const n = 12;
      const results = await Promise.all(Array.from({ length: n }, (_, i) => stamp.delay(i)));
      const runs = await Promise.all(results.map((r) => r.get({ timeout: 60_000 })));
      const starts = runs.map((r) => r.startedAtMs).sort((a, b) => a - b);
      const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
      // Tokens are 200 ms apart on the Redis clock; a start may lag its token by a few ms.
      assert.ok(Math.min(...gaps) >= 150, `gaps between starts (ms): ${gaps.join(', ')}`);
      assert.ok(starts.at(-1)! - starts[0]! >= (n - 1) * 200 - 60, `span ${starts.at(-1)! - starts[0]!} ms`);
      assert.equal(new Set(runs.map((r) => r.pid)).size, 2, 'both workers ran some of the tasks');
    } finally {
      for (const w of workers) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
      await app.close();
    }
  });
});
