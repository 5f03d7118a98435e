// Rate limits end to end on each embedded transport, on a virtual clock: a limited task waits
// (reserved, unacked) until its token is due, in arrival order; limits come from the task, from
// task_annotations and from task_default_rate_limit; a global limit is shared by the workers of
// the broker.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Celery, Worker, type SettingsInput } from 'celeriac';
import { FakeClock } from 'celeriac/testing';
import { silentLogger } from '../../src/internal/logger.js';

const dir = mkdtempSync(join(tmpdir(), 'celeriac-rate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const brokers: Array<[string, () => string]> = [
  ['memory', () => 'memory://'],
  ['sqlite', () => `sqlite:///${join(dir, `r-${Math.random().toString(36).slice(2)}.db`)}`],
];

function makeApp(url: string, settings: SettingsInput = {}) {
  const clock = new FakeClock();
  const app = new Celery(
    'rate',
    { broker_url: url, task_annotations: { 'tasks.annotated': { rate_limit: '2/m' } }, ...settings },
    { logger: silentLogger(), clock },
  );
  const order: string[] = [];
  const limited = app.task({ name: 'tasks.limited', rateLimit: '10/s' }, (tag: string) => {
    order.push(tag);
    return tag;
  });
  const annotated = app.task('tasks.annotated', (tag: string) => tag);
  // Acks late so a worker's prefetch stays full while its tasks wait: both workers hold some.
  const global = app.task({ name: 'tasks.global', acksLate: true, rateLimit: { limit: '10/s', scope: 'global' } }, (tag: string) => tag);
  const free = app.task('tasks.free', (tag: string) => tag);
  return { app, clock, order, limited, annotated, global, free };
}

/** Resolves once the workers have received `n` messages in all. */
function received(app: Celery, n: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve) => {
    app.signals.taskReceived.connect(() => {
      if (++seen === n) resolve();
    });
  });
}

/** Resolves with the next `n` task ids the worker finishes. */
async function done(worker: Worker | Worker[], n: number): Promise<string[]> {
  const workers = Array.isArray(worker) ? worker : [worker];
  const ids: string[] = [];
  return new Promise((resolve) => {
    const on = (id: string) => {
      ids.push(id);
      if (ids.length === n) {
        for (const w of workers) w.off('task-done', on);
        resolve(ids);
      }
    };
    for (const w of workers) w.on('task-done', on);
  });
}

/** Resolves once `predicate` holds, checked now and after each finished task. */
async function until(workers: Worker[], predicate: () => boolean): Promise<void> {
  if (predicate()) return;
  await new Promise<void>((resolve) => {
    const on = () => {
      if (!predicate()) return;
      for (const w of workers) w.off('task-done', on);
      resolve();
    };
    for (const w of workers) w.on('task-done', on);
  });
}

const succeeded = (workers: Worker[]) => workers.reduce((n, w) => n + w.stats.succeeded, 0);

for (const [kind, url] of brokers) {
  describe(`rate limits on ${kind}`, { timeout: 30_000 }, () => {
    test("'10/s': one task per 100 ms of (virtual) time, in order; unlimited tasks do not wait", async () => {
      const { app, clock, order, limited, free } = makeApp(url());
      const worker = new Worker(app, { concurrency: 4 });
      await worker.start();
      try {
        const all = received(app, 4);
        const first = done(worker, 2);
        for (const tag of ['a', 'b', 'c']) await limited.delay(tag);
        const unlimited = await free.delay('free');
        await all;
        await first; // 'a' and the unlimited task; 'b' and 'c' wait for tokens
        assert.equal(await unlimited.get({ timeout: 10_000 }), 'free');
        assert.deepEqual(order, ['a']);
        const second = done(worker, 1);
        clock.advance(100);
        await second;
        assert.deepEqual(order, ['a', 'b']);
        const third = done(worker, 1);
        clock.advance(100);
        await third;
        assert.deepEqual(order, ['a', 'b', 'c']);
      } finally {
        await worker.stop();
        await app.close();
      }
    });

    test('task_annotations and task_default_rate_limit set limits too', async () => {
      const { app, clock, annotated, free } = makeApp(url(), { task_default_rate_limit: '1/s' });
      const worker = new Worker(app, { concurrency: 4 });
      await worker.start();
      try {
        const all = received(app, 4);
        const firsts = done(worker, 2);
        await annotated.delay('a1');
        const a2 = await annotated.delay('a2');
        await free.delay('f1'); // no own limit: task_default_rate_limit applies
        const f2 = await free.delay('f2');
        await all;
        await firsts;
        const next = done(worker, 1);
        clock.advance(1_000);
        assert.deepEqual(await next, [f2.id]);
        const last = done(worker, 1);
        clock.advance(29_000); // '2/m' is one per 30 s
        assert.deepEqual(await last, [a2.id]);
      } finally {
        await worker.stop();
        await app.close();
      }
    });

    test('a waiting task is given back to the queue at shutdown, not lost', async () => {
      const { app, limited } = makeApp(url());
      const worker = new Worker(app, { concurrency: 2 });
      await worker.start();
      const all = received(app, 2);
      const first = done(worker, 1);
      await limited.delay('a');
      await limited.delay('b');
      await all;
      await first;
      await worker.stop();
      assert.equal(await (await app.transport()).size('celery'), 1);
      await app.close();
    });

    test("scope 'global' is shared by the workers of the broker", async () => {
      const { app, clock, global } = makeApp(url());
      const options = { concurrency: 2, prefetchMultiplier: 1 };
      const workers = [new Worker(app, { ...options, hostname: 'w1@test' }), new Worker(app, { ...options, hostname: 'w2@test' })];
      for (const w of workers) await w.start();
      try {
        const all = received(app, 4);
        await Promise.all(['a', 'b', 'c', 'd'].map((tag) => global.delay(tag)));
        await all;
        const perWorker = workers.filter((w) => w.stats.received > 0).length;
        assert.equal(perWorker, 2, 'both workers hold some of the tasks');
        await until(workers, () => succeeded(workers) >= 1);
        assert.equal(succeeded(workers), 1, 'one token until the clock moves, whichever worker took it');
        while (succeeded(workers) < 4) {
          const target = succeeded(workers) + 1;
          clock.advance(100);
          await until(workers, () => succeeded(workers) >= target);
        }
        assert.equal(succeeded(workers), 4);
      } finally {
        for (const w of workers) await w.stop();
        await app.close();
      }
    });
  });
}

