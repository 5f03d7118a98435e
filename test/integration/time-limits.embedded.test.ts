// Time limits and abortTask through a whole worker (async pool) on the embedded transports, with
// virtual time: the test moves the clock past a limit once the task is running, so limits of
// seconds cost no real time.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Celery, Worker, TaskFailedError, type TaskContext } from 'celeriac';
import { FakeClock } from 'celeriac/testing';
import { silentLogger } from '../../src/internal/logger.js';

const dir = mkdtempSync(join(tmpdir(), 'celeriac-limits-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const brokers: Array<[string, () => string]> = [
  ['memory', () => 'memory://'],
  ['sqlite', () => `sqlite:///${join(dir, `l-${Math.random().toString(36).slice(2)}.db`)}`],
];

function makeApp(url: string) {
  const clock = new FakeClock();
  const app = new Celery('limits', { broker_url: url, task_time_limit: 60 }, { logger: silentLogger(), clock });
  /** Waits for its signal and rethrows the reason (a task that honours the soft limit). */
  const polite = app.task({ name: 'tl.polite', bind: true, softTimeLimit: 5 }, async (ctx: TaskContext) => {
    await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
    throw ctx.signal.reason;
  });
  /** Ignores its signal; only the hard limit (abandoning it) ends it. */
  const stubborn = app.task('tl.stubborn', () => new Promise<never>(() => undefined));
  return { app, clock, polite, stubborn };
}

for (const [name, url] of brokers) {
  describe(`time limits (${name})`, () => {
    let t: ReturnType<typeof makeApp>;
    let worker: Worker;
    before(async () => {
      t = makeApp(url());
      worker = new Worker(t.app, { concurrency: 2, hostname: 'limits@test', logger: silentLogger() });
      await worker.start();
    });
    after(async () => {
      await worker.stop({ graceful: false });
      await t.app.close();
    });

    /** Resolves once the task is running (the pool holds it), without sleeping. */
    async function running(id: string): Promise<void> {
      while (!worker.runningTaskIds().includes(id)) await new Promise<void>((resolve) => setImmediate(resolve));
    }

    async function failure(id: string): Promise<TaskFailedError> {
      const result = t.app.asyncResult(id);
      const err = await result.get().then(
        () => assert.fail('expected a failure'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof TaskFailedError);
      return err;
    }

    test("the task's softTimeLimit aborts ctx.signal with SoftTimeLimitExceeded, stored as Celery's", async () => {
      const r = await t.polite.delay();
      await running(r.id);
      const done = once(worker, 'task-done');
      t.clock.advance(5000);
      assert.deepEqual(await done, [r.id, 'FAILURE']);
      const err = await failure(r.id);
      assert.equal(err.excType, 'SoftTimeLimitExceeded');
      assert.equal(err.excModule, 'billiard.exceptions');
    });

    test('a per-call timeLimit abandons a task that ignores its signal: TimeLimitExceeded(seconds)', async () => {
      const r = await t.stubborn.applyAsync([], {}, { timeLimit: 2 });
      await running(r.id);
      const done = once(worker, 'task-done');
      t.clock.advance(2000);
      assert.deepEqual(await done, [r.id, 'FAILURE']);
      const err = await failure(r.id);
      assert.equal(err.excType, 'TimeLimitExceeded');
      assert.deepEqual(err.excMessage, [2]);
      assert.deepEqual(worker.runningTaskIds(), [], 'the slot is free again');
    });

    test('task_time_limit applies when neither the call nor the task says', async () => {
      const r = await t.stubborn.delay();
      await running(r.id);
      const done = once(worker, 'task-done');
      t.clock.advance(60_000);
      assert.deepEqual(await done, [r.id, 'FAILURE']);
      assert.deepEqual((await failure(r.id)).excMessage, [60]);
    });

    test('abortTask ends a running task now with the reason as its error', async () => {
      assert.equal(worker.abortTask('no-such-task', new Error('x')), false);
      const r = await t.stubborn.delay();
      await running(r.id);
      const done = once(worker, 'task-done');
      assert.equal(worker.abortTask(r.id, new Error('terminated by test')), true);
      assert.deepEqual(await done, [r.id, 'FAILURE']);
      assert.deepEqual((await failure(r.id)).excMessage, ['terminated by test']);
    });
  });
}
