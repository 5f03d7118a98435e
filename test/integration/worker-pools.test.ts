// `celeriac worker -P threads` and `-P processes` end to end, on the embedded (sqlite) broker:
// results stored by the worker, a task that sends another from inside a thread or child, a hard
// time limit killing a synchronous infinite loop while the worker carries on, max-tasks-per-child
// recycling, and a warm shutdown that lets the children go.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Celery } from '../../src/app/celery.js';
import { TaskFailedError } from '../../src/errors.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cliPath, projectRoot, spawnWorker } from './worker-processes.js';

const dir = mkdtempSync(join(tmpdir(), 'celeriac-pools-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const GET = { timeout: 60_000 };

for (const kind of ['threads', 'processes'] as const) {
  describe(`celeriac worker -P ${kind}`, { timeout: 180_000 }, () => {
    test('runs tasks in its pool, lets them publish, kills a stuck loop at the hard limit and recycles children', async () => {
      const broker = `sqlite:///${join(dir, `${kind}.db`)}`;
      const client = new Celery('client', { broker_url: broker });
      const worker = await spawnWorker(
        ['-A', 'test/fixtures/apps/pool-app.ts', '-P', kind, '-c', '2', '--max-tasks-per-child', '3', '-n', `${kind}@%h`, '-l', 'info'],
        { POOL_BROKER_URL: broker },
      );
      try {
        const sum = await client.sendTask<number>('pool.add', [2, 3]);
        assert.equal(await sum.get(GET), 5);

        // The child's own copy of the app publishes; this worker consumes and runs that task too.
        const sent = await client.sendTask<string>('pool.publish', [4, 5]);
        const childId = await sent.get(GET);
        assert.equal(await client.asyncResult<number>(childId).get(GET), 9);

        const stuck = await client.sendTask('pool.spin', [], {}, { timeLimit: 1 });
        await assert.rejects(stuck.get(GET), (err: unknown) => err instanceof TaskFailedError && err.excType === 'TimeLimitExceeded');
        const after = await client.sendTask<number>('pool.add', [20, 22]);
        assert.equal(await after.get(GET), 42, 'the worker carries on after the kill');

        // 8 calls over executors that each run at most 3 tasks: at least 3 different ones.
        const where = await Promise.all(Array.from({ length: 8 }, () => client.sendTask<string>('pool.where')));
        const executors = new Set(await Promise.all(where.map((r) => r.get(GET))));
        assert.ok(executors.size >= 3, `expected recycling, saw ${[...executors].join(', ')}`);
        if (kind === 'processes') assert.ok(![...executors].some((e) => e.startsWith(`${worker.child.pid}:`)), 'tasks ran in child processes');
        else assert.ok([...executors].every((e) => e.startsWith(`${worker.child.pid}:`) && !e.endsWith(':0')), 'tasks ran in threads of the worker');
      } finally {
        worker.child.kill('SIGTERM');
        assert.equal(await worker.exited, 0, `warm shutdown should exit 0; worker stderr:\n${worker.stderr()}`);
        await client.close();
      }
    });
  });
}

test('bad pool flags are one clear line each', async () => {
  const run = async (...args: string[]): Promise<{ code: number; stderr: string }> => {
    try {
      await promisify(execFile)(process.execPath, [cliPath, ...args], { cwd: projectRoot });
      return { code: 0, stderr: '' };
    } catch (err) {
      const e = err as { code: number; stderr: string };
      return { code: e.code, stderr: e.stderr };
    }
  };
  const bogus = await run('worker', '-P', 'bogus');
  assert.equal(bogus.code, 2);
  assert.match(bogus.stderr, /--pool: expected one of 'async', 'threads', 'processes'/);
  const noApp = await run('--broker', 'memory://', 'worker', '-P', 'prefork');
  assert.notEqual(noApp.code, 0);
  assert.match(noApp.stderr, /the processes pool loads the app in each child process: start the worker with -A/);
  const autoscale = await run('--broker', 'memory://', 'worker', '--autoscale', '2,4');
  assert.equal(autoscale.code, 2);
  assert.match(autoscale.stderr, /--autoscale is max,min with max ≥ min/);
});
