// The worker end to end, in one process, on each embedded transport: what a user relies on
// between `delay` and `get`.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Celery, Worker, TaskFailedError, TaskRevokedError, BackendDisabledError, UnknownSettingError, chord, CeleriacError } from 'celeriac';
import { silentLogger } from '../../src/internal/logger.js';

const dir = mkdtempSync(join(tmpdir(), 'celeriac-worker-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const brokers: Array<[string, () => string]> = [
  ['memory', () => 'memory://'],
  ['sqlite', () => `sqlite:///${join(dir, `w-${Math.random().toString(36).slice(2)}.db`)}`],
];

class ValueError extends Error {
  override name = 'ValueError';
}

function makeApp(url: string) {
  const app = new Celery('test', { broker_url: url }, { logger: silentLogger() });
  const add = app.task('tasks.add', (x: number, y: number) => x + y);
  const asyncAdd = app.task('tasks.async_add', async (x: number, y: number) => {
    await new Promise((r) => setImmediate(r));
    return x + y;
  });
  const fail = app.task('tasks.fail', (msg: string): number => {
    throw new ValueError(msg);
  });
  const whoami = app.task({ name: 'tasks.whoami', bind: true }, (ctx) => ({
    id: ctx.request.id,
    hostname: ctx.request.hostname,
    kwargs: ctx.request.kwargs,
    rootId: ctx.request.rootId,
    queue: ctx.request.deliveryInfo.routingKey,
  }));
  const named = app.task({ name: 'tasks.named', params: ['a', 'b'] }, (a: number, b: number) => a * 10 + b);
  const loose = app.task('tasks.loose', (...args: unknown[]) => args);
  const parent = app.task({ name: 'tasks.parent', bind: true }, async (ctx) => {
    const child = await add.delay(1, 1);
    return { child: child.id, me: ctx.request.id };
  });
  // What a task sent from a task sees of its lineage.
  const lineage = app.task({ name: 'tasks.lineage', bind: true }, (ctx) => ({ parentId: ctx.request.parentId, rootId: ctx.request.rootId }));
  const collect = app.task('tasks.collect', (results: unknown[]) => results);
  // Plain (non-async) functions: they send during their call and return before anything is sent.
  const sendsSync = app.task('tasks.sends_sync', (childId: string) => {
    void lineage.applyAsync([], {}, { taskId: childId });
    return childId;
  });
  const chordSync = app.task('tasks.chord_sync', (ids: string[], bodyId: string) => {
    // A chord awaits the backend (its size) before it sends the header.
    void chord(ids.map((taskId) => lineage.s().set({ taskId })), collect.s().set({ taskId: bodyId })).applyAsync();
    return bodyId;
  });
  const sendsAfterAwait = app.task('tasks.sends_after_await', async () => {
    await new Promise((r) => setImmediate(r));
    return (await lineage.delay()).id;
  });
  const quiet = app.task({ name: 'tasks.quiet', ignoreResult: true }, () => 1);
  const gates = new Map<number, () => void>();
  const started = new Map<number, () => void>();
  const tracked = app.task({ name: 'tasks.tracked', trackStarted: true }, async (n: number) => {
    started.get(n)?.();
    await new Promise<void>((resolve) => gates.set(n, resolve));
    return n;
  });
  /** Resolves once `tracked(n)` is running; call the returned function to let it finish. */
  const whenStarted = (n: number) => new Promise<() => void>((resolve) => started.set(n, () => resolve(() => gates.get(n)!())));
  return { app, add, asyncAdd, fail, whoami, named, loose, parent, lineage, sendsSync, chordSync, sendsAfterAwait, quiet, tracked, whenStarted };
}

for (const [kind, url] of brokers) {
  describe(`worker on the ${kind} transport`, () => {
    let t: ReturnType<typeof makeApp>;
    let worker: Worker;

    before(async () => {
      t = makeApp(url());
      worker = new Worker(t.app, { concurrency: 4, hostname: 'w1@%h', logger: silentLogger() });
      await worker.start();
    });
    after(async () => {
      await worker.stop();
      await t.app.close();
    });

    test('delay then get returns the value; sync and async functions alike', async () => {
      const r = await t.add.delay(2, 3);
      assert.equal(await r.get({ timeout: 10_000 }), 5);
      assert.equal(await r.state, 'SUCCESS');
      assert.equal(await r.successful(), true);
      assert.equal(await (await t.asyncAdd.delay(20, 22)).get({ timeout: 10_000 }), 42);
    });

    test('calling the task directly runs it in this process', () => {
      assert.equal(t.add(2, 3), 5);
    });

    test('a failing task surfaces as TaskFailedError with Celery exception fields and a traceback', async () => {
      const r = await t.fail.delay('boom');
      await assert.rejects(r.get({ timeout: 10_000 }), (err: unknown) => {
        assert.ok(err instanceof TaskFailedError);
        assert.equal(err.excType, 'ValueError');
        assert.deepEqual(err.excMessage, ['boom']);
        return true;
      });
      assert.equal(await r.state, 'FAILURE');
      assert.equal(await r.failed(), true);
      assert.match((await r.traceback) ?? '', /ValueError: boom/);
      // propagate: false returns the stored exception instead of throwing
      const info = (await r.get({ propagate: false })) as unknown as { exc_type: string };
      assert.equal(info.exc_type, 'ValueError');
    });

    test('a bound task sees its request: id, hostname, kwargs, root id, queue', async () => {
      const r = await t.whoami.applyAsync([], { k: 1 });
      const seen = (await r.get({ timeout: 10_000 })) as Record<string, unknown>;
      assert.equal(seen.id, r.id);
      assert.equal(seen.rootId, r.id);
      assert.match(String(seen.hostname), /^w1@/);
      assert.deepEqual(seen.kwargs, { k: 1 });
      assert.equal(seen.queue, 'celery');
    });

    test('kwargs land on declared params, or arrive as one last argument', async () => {
      assert.equal(await (await t.named.applyAsync([], { b: 2, a: 1 })).get({ timeout: 10_000 }), 12);
      assert.deepEqual(await (await t.loose.applyAsync([1], { a: 1, b: 2 })).get({ timeout: 10_000 }), [1, { a: 1, b: 2 }]);
    });

    test('a task sent from inside a task gets parent_id and root_id', async () => {
      const r = await t.parent.delay();
      const { child, me } = (await r.get({ timeout: 10_000 }));
      assert.equal(me, r.id);
      assert.equal(await t.app.asyncResult(child).get({ timeout: 10_000 }), 2);
    });

    test('parent_id and root_id: from a plain function, after an await, and a chord sent from a plain function', async () => {
      const fromSync = await t.sendsSync.delay(randomUUID());
      const childId = (await fromSync.get({ timeout: 10_000 }));
      assert.deepEqual(await t.app.asyncResult(childId).get({ timeout: 10_000 }), { parentId: fromSync.id, rootId: fromSync.id });

      const afterAwait = await t.sendsAfterAwait.delay();
      const laterChild = (await afterAwait.get({ timeout: 10_000 }));
      assert.deepEqual(await t.app.asyncResult(laterChild).get({ timeout: 10_000 }), { parentId: afterAwait.id, rootId: afterAwait.id });

      const fromChord = await t.chordSync.delay([randomUUID(), randomUUID()], randomUUID());
      const bodyId = (await fromChord.get({ timeout: 10_000 }));
      const header = { parentId: fromChord.id, rootId: fromChord.id };
      assert.deepEqual(await t.app.asyncResult(bodyId).get({ timeout: 10_000 }), [header, header]);
    });

    test('an unregistered task is stored as NotRegistered and dead-lettered; the worker goes on', async () => {
      const dead = once(worker, 'dead-letter');
      const r = await t.app.sendTask('tasks.nobody_has_this', [1]);
      await assert.rejects(r.get({ timeout: 10_000 }), (err: unknown) => err instanceof TaskFailedError && err.excType === 'NotRegistered');
      const [reason] = await dead;
      assert.match(String(reason), /not registered/);
      const letters = await (await t.app.transport()).listDeadLetters();
      assert.ok(letters.some((d) => d.message.headers.id === r.id));
      assert.equal(await (await t.add.delay(1, 2)).get({ timeout: 10_000 }), 3);
    });

    test('bad messages are dead-lettered with the reason and never stop the worker', async () => {
      const transport = await t.app.transport();
      const bad = [
        { body: Buffer.from('{not json'), contentType: 'application/json', headers: { task: 'tasks.add', id: 'bad-json' }, why: /JSON|json/ },
        { body: Buffer.from('[[1,2],{}]'), contentType: 'application/x-python-serialize', headers: { task: 'tasks.add', id: 'bad-ct' }, why: /accept_content|content/ },
        { body: Buffer.from('{"a":1}'), contentType: 'application/json', headers: { task: 'tasks.add', id: 'bad-shape' }, why: /array|shape|body/ },
        { body: Buffer.from('[[1,2],{},{}]'), contentType: 'application/json', headers: { task: 'tasks.add' }, why: /id/ },
      ];
      for (const b of bad) {
        const dead = once(worker, 'dead-letter');
        await transport.publish(
          { body: b.body, contentType: b.contentType, contentEncoding: 'utf-8', headers: b.headers, properties: { delivery_mode: 2 } },
          { exchange: '', routingKey: 'celery' },
        );
        const [reason] = await dead;
        assert.match(String(reason), b.why);
      }
      assert.equal(await (await t.add.delay(5, 5)).get({ timeout: 10_000 }), 10);
    });

    test('an expired task is not run and reads as REVOKED', async () => {
      const r = await t.add.applyAsync([1, 1], {}, { expires: new Date(Date.now() - 1000) });
      await assert.rejects(r.get({ timeout: 10_000 }), (err: unknown) => err instanceof TaskRevokedError && /expired/.test(err.message));
      assert.equal(await r.state, 'REVOKED');
    });

    test('countdown holds the task until its ETA', async () => {
      const sent = Date.now();
      const r = await t.add.applyAsync([2, 2], {}, { countdown: 0.3 });
      assert.equal(await r.get({ timeout: 10_000 }), 4);
      assert.ok(Date.now() - sent >= 290, 'ran before its countdown');
    });

    test('trackStarted stores STARTED with pid and hostname while the task runs', async () => {
      const running = t.whenStarted(1);
      const r = await t.tracked.delay(1);
      const finish = await running;
      // The runner awaits the STARTED write before it calls the function.
      const meta = await r.meta();
      assert.equal(meta.status, 'STARTED');
      assert.deepEqual(Object.keys(meta.result as object).sort(), ['hostname', 'pid']);
      assert.equal(await r.ready(), false);
      finish();
      assert.equal(await r.wait({ timeout: 10_000 }), 1);
    });

    test('forget deletes the stored result', async () => {
      const r = await t.add.delay(1, 1);
      assert.equal(await r.get({ timeout: 10_000 }), 2);
      await r.forget();
      assert.equal(await r.state, 'PENDING');
    });

    test('ignoreResult stores nothing', async () => {
      const done = new Promise<string>((resolve) => {
        const on = (id: string) => {
          worker.off('task-done', on);
          resolve(id);
        };
        worker.on('task-done', on);
      });
      const r = await t.quiet.delay();
      assert.equal(await done, r.id);
      assert.equal(await r.state, 'PENDING');
    });
  });
}

test('reading a result with results disabled throws BackendDisabledError (Celery DisabledBackend)', async () => {
  const app = new Celery('t', { broker_url: 'memory://', result_backend: 'disabled' }, { logger: silentLogger() });
  const add = app.task('tasks.add', (x: number, y: number) => x + y);
  const r = await add.delay(1, 2);
  await assert.rejects(r.get({ timeout: 100 }), BackendDisabledError);
  await app.close();
});

test("worker_unknown_task: 'reject' dead-letters an unknown task without storing a failure", async () => {
  const app = new Celery('t', { broker_url: 'memory://', worker_unknown_task: 'reject' }, { logger: silentLogger() });
  const worker = new Worker(app, { concurrency: 1, logger: silentLogger() });
  await worker.start();
  const dead = once(worker, 'dead-letter');
  const r = await app.sendTask('tasks.elsewhere', []);
  await dead;
  assert.equal(await r.state, 'PENDING');
  assert.equal((await (await app.transport()).listDeadLetters()).length, 1);
  await worker.stop();
  await app.close();
});

test('an unknown setting is refused with a suggestion', () => {
  // @ts-expect-error -- the typo is the point: it fails to compile, and at run time too
  assert.throws(() => new Celery('t', { broker_ulr: 'memory://' }), (err: unknown) => err instanceof UnknownSettingError && /broker_url/.test(err.message));
});

test('warm shutdown gives unstarted messages back to the queue', async () => {
  const url = `sqlite:///${join(dir, 'shutdown.db')}`;
  const app = new Celery('t', { broker_url: url }, { logger: silentLogger() });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let started = 0;
  const slow = app.task('tasks.slow', async () => {
    started++;
    await gate;
    return 'done';
  });
  const worker = new Worker(app, { concurrency: 1, prefetchMultiplier: 4, logger: silentLogger() });
  await worker.start();
  const first = await slow.delay();
  const waiting = await Promise.all([slow.delay(), slow.delay(), slow.delay()]);
  while (started === 0) await new Promise((r) => setImmediate(r));
  const stopping = worker.stop({ graceful: true });
  release();
  await stopping;
  assert.equal(await first.get({ timeout: 10_000 }), 'done');
  assert.equal(started, 1);
  assert.equal(await (await app.transport()).size('celery'), waiting.length);
  // A new worker runs them.
  const worker2 = new Worker(app, { concurrency: 4, logger: silentLogger() });
  await worker2.start();
  for (const r of waiting) assert.equal(await r.get({ timeout: 10_000 }), 'done');
  await worker2.stop();
  await app.close();
});

test('a connection dropped while the worker declares its queues is retried as at connection time, and the worker starts', async () => {
  const app = new Celery('t', { broker_url: 'memory://' }, { logger: silentLogger() });
  const add = app.task('tasks.add', (x: number, y: number) => x + y);
  const transport = await app.transport();
  // The broker drops the connection under the first declaration (a restart, a network blip).
  const declareQueue = transport.declareQueue.bind(transport);
  let drops = 1;
  transport.declareQueue = (spec) => (drops-- > 0 ? Promise.reject(new CeleriacError('TRANSPORT_ERROR', 'connection lost')) : declareQueue(spec));
  const errors: string[] = [];
  const logger = silentLogger();
  logger.error = (...args: unknown[]) => void errors.push(String(args.at(-1)));
  const worker = new Worker(app, { concurrency: 1, logger });
  try {
    await worker.start();
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /Cannot connect to the broker: connection lost\. Trying again in 2\.00 seconds\.\.\. \(1\/100\)/);
    assert.equal(await (await add.delay(2, 3)).get({ timeout: 10_000 }), 5);
  } finally {
    await worker.stop();
    await app.close();
  }
});
