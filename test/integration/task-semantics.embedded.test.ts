// Retries, Reject/Ignore, handlers, bases, annotations and signals, end to end on each embedded
// transport. Time is virtual (FakeClock): retried messages wait for their ETA until the test
// moves the clock, so countdowns of seconds cost no real time. Moving the clock also fires
// result-wait timeouts, so tests that move it wait for the worker's `task-done` first and then
// read results without a timeout.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Celery,
  Worker,
  Reject,
  Ignore,
  TaskFailedError,
  defineTaskBase,
  type TaskRequest,
  type TaskState,
  type TaskContext,
  type ExceptionInfo,
  type AfterSetupLoggerPayload,
} from 'celeriac';
import { FakeClock } from 'celeriac/testing';
import { silentLogger } from '../../src/internal/logger.js';
import { parseCeleryDate } from '../../src/protocol/task-codec.js';

const dir = mkdtempSync(join(tmpdir(), 'celeriac-semantics-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const brokers: Array<[string, () => string]> = [
  ['memory', () => 'memory://'],
  ['sqlite', () => `sqlite:///${join(dir, `s-${Math.random().toString(36).slice(2)}.db`)}`],
];

class Transient extends Error {
  override name = 'Transient';
}

/** What the hooks of `tasks.hooked` and the task signals saw, in order. */
type Seen = Array<[string, ...unknown[]]>;

function makeApp(url: string) {
  const clock = new FakeClock();
  const failures: Array<{ task: string; id: string; excType: string }> = [];
  const app = new Celery(
    'semantics',
    {
      broker_url: url,
      task_annotations: [
        { 'tasks.annotated': { max_retries: 0, rate_limit: '10/s' } },
        // Wraps every task's onFailure (Celery's '@' around-annotation), keeping a base's own.
        { '*': { '@on_failure': wrapOnFailure } },
      ],
    },
    { logger: silentLogger(), clock, random: () => 0.5 },
  );
  type OnFailure = (this: TaskContext, exc: unknown, taskId: string, args: unknown[], kwargs: Record<string, unknown>, einfo: ExceptionInfo) => unknown;
  function wrapOnFailure(orig: OnFailure | undefined): OnFailure {
    return function (exc, taskId, args, kwargs, einfo) {
      failures.push({ task: this.name, id: taskId, excType: einfo.serialized.exc_type });
      return orig?.call(this, exc, taskId, args, kwargs, einfo);
    };
  }

  const runs: Array<{ id: string; retries: number }> = [];
  const flaky = app.task({ name: 'tasks.flaky', bind: true }, (ctx, x: number) => {
    runs.push({ id: ctx.request.id, retries: ctx.request.retries });
    if (ctx.request.retries < 2) ctx.retry({ exc: new Transient(`transient ${x}`), countdown: 10 });
    return `done after ${ctx.request.retries} retries`;
  });
  const hopeless = app.task({ name: 'tasks.hopeless', bind: true, maxRetries: 2 }, (ctx, withExc: boolean): number =>
    ctx.retry(withExc ? { exc: new Transient('gave up'), countdown: 1 } : { countdown: 1 }),
  );
  const byEta = app.task({ name: 'tasks.by_eta', bind: true }, (ctx) => {
    if (ctx.request.retries === 0) ctx.retry({ eta: new Date(clock.now() + 42_000), args: ['second'] });
    return ctx.request.args;
  });
  const backoffRuns: number[] = [];
  const backoff = app.task(
    { name: 'tasks.backoff', autoretryFor: [Transient], retryBackoff: 2, retryJitter: false, maxRetries: 3 },
    (n: number): number => {
      backoffRuns.push(n);
      throw new Transient(`down ${n}`);
    },
  );
  const jittered = app.task({ name: 'tasks.jittered', autoretryFor: [Transient], retryBackoff: true, maxRetries: 1 }, (): number => {
    throw new Transient('down');
  });
  const notListed = app.task({ name: 'tasks.not_listed', autoretryFor: [Transient] }, (): number => {
    throw new TypeError('a bug, not a transient error');
  });
  const rejectAttempts = new Map<string, number>();
  const rejecting = app.task({ name: 'tasks.rejecting', bind: true, acksLate: true }, (ctx, requeue: boolean) => {
    const n = (rejectAttempts.get(ctx.request.id) ?? 0) + 1;
    rejectAttempts.set(ctx.request.id, n);
    if (n === 1) throw new Reject(`not now (${n})`, { requeue });
    return `accepted on attempt ${n}`;
  });
  const rejectEarly = app.task({ name: 'tasks.reject_early' }, () => {
    throw new Reject('too late: already acked', { requeue: true });
  });
  const ignoring = app.task({ name: 'tasks.ignoring', acksLate: true }, () => {
    throw new Ignore();
  });

  const seen: Seen = [];
  const Audited = defineTaskBase({
    maxRetries: 1,
    beforeStart(taskId, args, kwargs) {
      seen.push(['beforeStart', this.name, taskId, args, kwargs]);
    },
    onSuccess(retval, taskId) {
      seen.push(['onSuccess', retval, taskId]);
    },
    onFailure(exc, taskId, args, kwargs, einfo) {
      seen.push(['onFailure', (exc as Error).message, taskId, args, kwargs, einfo.serialized.exc_type, einfo.traceback.includes('Transient')]);
    },
    onRetry(exc, taskId, _args, _kwargs, einfo) {
      seen.push(['onRetry', (exc as Error).message, taskId, einfo.serialized]);
    },
    afterReturn(status, retval, taskId, _args, _kwargs, einfo) {
      seen.push(['afterReturn', status, retval instanceof Error ? retval.message : retval, taskId, einfo === null ? null : 'einfo']);
    },
  });
  const hooked = app.task({ name: 'tasks.hooked', bind: true, base: Audited }, (ctx, mode: string) => {
    if (mode === 'fail') throw new Transient('hooked failure');
    if (mode === 'retry' && ctx.request.retries === 0) ctx.retry({ exc: new Transient('hooked retry'), countdown: 5 });
    return `ok:${mode}`;
  });
  // A base's own default under the task's: maxRetries 1 from Audited, 0 from the task.
  const strict = app.task({ name: 'tasks.strict', bind: true, base: Audited, maxRetries: 0 }, (ctx) => ctx.retry({ countdown: 1 }));
  const annotated = app.task({ name: 'tasks.annotated', bind: true }, (ctx) => ctx.retry({ countdown: 1 }));
  const throwingHook = app.task(
    {
      name: 'tasks.throwing_hook',
      onSuccess() {
        throw new Error('a broken handler');
      },
    },
    () => 'still a success',
  );
  const add = app.task('tasks.add', (x: number, y: number) => x + y);
  const headers = app.task({ name: 'tasks.headers', bind: true }, (ctx) => ctx.request.headers);
  return {
    app,
    clock,
    failures,
    runs,
    flaky,
    hopeless,
    byEta,
    backoff,
    backoffRuns,
    jittered,
    notListed,
    rejecting,
    rejectAttempts,
    rejectEarly,
    ignoring,
    seen,
    hooked,
    strict,
    annotated,
    throwingHook,
    add,
    headers,
  };
}

/** Every request the worker received, kept so a test can wait for one that may already be in. */
class ReceivedLog {
  private readonly seen: TaskRequest[] = [];
  private waiters: Array<{ match: (r: TaskRequest) => boolean; resolve: (r: TaskRequest) => void }> = [];
  constructor(app: Celery) {
    app.signals.taskReceived.connect(({ request }) => {
      this.seen.push(request);
      const ready = this.waiters.filter((w) => w.match(request));
      this.waiters = this.waiters.filter((w) => !w.match(request));
      for (const w of ready) w.resolve(request);
    });
  }
  /** The first received request matching `match`, now or later. */
  where(match: (r: TaskRequest) => boolean): Promise<TaskRequest> {
    const hit = this.seen.find(match);
    return hit ? Promise.resolve(hit) : new Promise((resolve) => this.waiters.push({ match, resolve }));
  }
}

/** Every `task-done` of the worker, so a test can wait for a task that may already be done. */
class DoneLog {
  private readonly states = new Map<string, TaskState>();
  private readonly waiters = new Map<string, (state: TaskState) => void>();
  constructor(worker: Worker) {
    worker.on('task-done', (id, state) => {
      this.states.set(id, state);
      this.waiters.get(id)?.(state);
      this.waiters.delete(id);
    });
  }
  of(id: string): Promise<TaskState> {
    const state = this.states.get(id);
    return state ? Promise.resolve(state) : new Promise((resolve) => this.waiters.set(id, resolve));
  }
}

/** Move virtual time to each retried message's ETA as soon as the worker holds it. */
function runRetriesAtOnce(app: Celery, clock: FakeClock): () => void {
  return app.signals.taskReceived.connect(({ request }) => {
    if (request.eta === null) return;
    const dueMs = parseCeleryDate(request.eta);
    // After onMessage returns: the request is in the ETA scheduler by then.
    setImmediate(() => clock.advance(Math.max(0, dueMs - clock.now())));
  });
}

for (const [kind, url] of brokers) {
  describe(`task semantics on the ${kind} transport`, { timeout: 30_000 }, () => {
    let t: ReturnType<typeof makeApp>;
    let worker: Worker;
    let receivedLog: ReceivedLog;
    let done: DoneLog;

    before(async () => {
      t = makeApp(url());
      worker = new Worker(t.app, { concurrency: 4, hostname: 'w1@%h', logger: silentLogger() });
      receivedLog = new ReceivedLog(t.app);
      done = new DoneLog(worker);
      await worker.start();
    });
    after(async () => {
      await worker.stop();
      await t.app.close();
    });

    test('ctx.retry: RETRY stored with the reason, the same id republished with retries + 1 and its ETA, then SUCCESS', async () => {
      const t0 = t.clock.now();
      const retried = once(worker, 'task-retried');
      const r = await t.flaky.delay(5);
      assert.deepEqual(await retried, [r.id, 1]);

      const meta = await r.meta();
      assert.equal(meta.status, 'RETRY');
      assert.deepEqual(meta.result, { exc_type: 'Transient', exc_message: ['transient 5'], exc_module: 'celeriac.errors' });
      assert.match(meta.traceback ?? '', /Retry in 10s: Transient\("transient 5"\)/);
      assert.match(meta.traceback ?? '', /Caused by: Transient: transient 5/);
      assert.deepEqual(meta.children, [[[r.id, null], null]]);
      assert.equal(meta.dateDone, null);

      const again = await receivedLog.where((q) => q.id === r.id && q.retries === 1);
      assert.equal(again.parentId, r.id, "parent_id is the task's own id");
      assert.equal(again.rootId, r.id);
      assert.deepEqual(again.args, [5]);
      assert.equal(parseCeleryDate(again.eta!), t0 + 10_000);
      assert.equal(again.deliveryInfo.routingKey, 'celery');
      assert.equal(await r.state, 'RETRY', 'held until its ETA');

      const off = runRetriesAtOnce(t.app, t.clock);
      t.clock.advance(10_000);
      assert.equal(await done.of(r.id), 'SUCCESS');
      assert.equal(await r.get(), 'done after 2 retries');
      off();
      assert.deepEqual(
        t.runs.filter((run) => run.id === r.id).map((run) => run.retries),
        [0, 1, 2],
      );
    });

    test('ctx.retry with an eta and new arguments', async () => {
      const off = runRetriesAtOnce(t.app, t.clock);
      const t0 = t.clock.now();
      const r = await t.byEta.delay();
      const republished = await receivedLog.where((q) => q.id === r.id && q.retries === 1);
      assert.equal(parseCeleryDate(republished.eta!), t0 + 42_000);
      assert.equal(await done.of(r.id), 'SUCCESS');
      assert.deepEqual(await r.get(), ['second']);
      off();
    });

    test('past maxRetries: MaxRetriesExceededError, or the given exc, as the FAILURE', async () => {
      const off = runRetriesAtOnce(t.app, t.clock);
      const r = await t.hopeless.delay(false);
      assert.equal(await done.of(r.id), 'FAILURE');
      await assert.rejects(r.get(), (err: unknown) => {
        assert.ok(err instanceof TaskFailedError);
        assert.equal(err.excType, 'MaxRetriesExceededError');
        assert.equal(err.excModule, 'celery.exceptions');
        assert.match(String(err.excMessage[0]), /Can't retry tasks\.hopeless\[.*\] args:\(False,\) kwargs:\{\}/);
        return true;
      });
      const withExc = await t.hopeless.delay(true);
      assert.equal(await done.of(withExc.id), 'FAILURE');
      await assert.rejects(withExc.get(), (err: unknown) => err instanceof TaskFailedError && err.excType === 'Transient');
      off();
    });

    test('autoretryFor with exponential backoff: countdowns 2, 4, 8 s on the retried messages, then the error', async () => {
      const off = runRetriesAtOnce(t.app, t.clock);
      const countdowns: Array<number | null> = [];
      const etas: number[] = [];
      const offRetry = t.app.signals.taskRetry.connect(
        ({ reason }) => {
          countdowns.push(reason.countdown);
          etas.push(reason.eta!.getTime() - t.clock.now());
        },
        { sender: 'tasks.backoff' },
      );
      const r = await t.backoff.delay(1);
      assert.equal(await done.of(r.id), 'FAILURE');
      await assert.rejects(r.get(), (err: unknown) => err instanceof TaskFailedError && err.excType === 'Transient');
      assert.deepEqual(countdowns, [2, 4, 8]);
      assert.deepEqual(etas, [2000, 4000, 8000]);
      assert.equal(t.backoffRuns.length, 4, 'the first run and three retries');
      offRetry();

      // Full jitter (the default) with the app's random pinned at 0.5: floor(0.5 × (1 + 1)) = 1.
      const jitter: Array<number | null> = [];
      const offJitter = t.app.signals.taskRetry.connect(({ reason }) => void jitter.push(reason.countdown), { sender: 'tasks.jittered' });
      const j = await t.jittered.delay();
      assert.equal(await done.of(j.id), 'FAILURE');
      await assert.rejects(j.get(), TaskFailedError);
      assert.deepEqual(jitter, [1]);
      offJitter();

      let retriedNotListed = false;
      const offNot = t.app.signals.taskRetry.connect(() => (retriedNotListed = true), { sender: 'tasks.not_listed' });
      await assert.rejects((await t.notListed.delay()).get({ timeout: 10_000 }), (err: unknown) => err instanceof TaskFailedError && err.excType === 'TypeError');
      assert.equal(retriedNotListed, false, 'errors not in autoretryFor fail at once');
      offNot();
      off();
    });

    test('Reject without requeue dead-letters the message with the reason and stores nothing', async () => {
      const r = await t.rejecting.delay(false);
      assert.equal(await done.of(r.id), 'REJECTED');
      assert.equal(await r.state, 'PENDING');
      const letters = await (await t.app.transport()).listDeadLetters();
      const letter = letters.find((d) => d.message.headers.id === r.id);
      assert.ok(letter, 'kept as a dead letter');
      assert.match(letter.reason, /rejected by task tasks\.rejecting: not now \(1\)/);
    });

    test('Reject with requeue puts the message back; the next delivery runs it', async () => {
      const r = await t.rejecting.delay(true);
      assert.equal(await r.get({ timeout: 10_000 }), 'accepted on attempt 2');
      assert.equal(t.rejectAttempts.get(r.id), 2);
    });

    test('Reject of an early-acked message does nothing more (Celery: reject after ack is a no-op)', async () => {
      const r = await t.rejectEarly.delay();
      assert.equal(await done.of(r.id), 'REJECTED');
      assert.equal(await (await t.app.transport()).size('celery'), 0);
      assert.equal(await r.state, 'PENDING');
    });

    test('Ignore stores nothing and acks the message', async () => {
      const r = await t.ignoring.delay();
      assert.equal(await done.of(r.id), 'IGNORED');
      assert.equal(await r.state, 'PENDING');
      const transport = await t.app.transport();
      assert.equal(await transport.size('celery'), 0);
      assert.ok(!(await transport.listDeadLetters()).some((d) => d.message.headers.id === r.id));
    });

    test("handlers and signals run in Celery's order with Celery's arguments", async () => {
      const signals = t.app.signals;
      const offs = [
        signals.taskPrerun.connect(({ taskId, task, args }) => void t.seen.push(['taskPrerun', taskId, task.name, args]), { sender: 'tasks.hooked' }),
        signals.taskSuccess.connect(({ taskId, result }) => void t.seen.push(['taskSuccess', taskId, result]), { sender: 'tasks.hooked' }),
        signals.taskFailure.connect(({ taskId, exception, einfo }) => void t.seen.push(['taskFailure', taskId, (exception as Error).message, einfo.serialized.exc_type]), {
          sender: 'tasks.hooked',
        }),
        signals.taskRetry.connect(({ request, reason }) => void t.seen.push(['taskRetry', request.id, reason.countdown]), { sender: 'tasks.hooked' }),
        signals.taskPostrun.connect(({ taskId, state, retval }) => void t.seen.push(['taskPostrun', taskId, state, retval instanceof Error ? retval.name : retval]), {
          sender: 'tasks.hooked',
        }),
      ];
      try {
        t.seen.length = 0;
        const ok = await t.hooked.applyAsync(['success'], {});
        assert.equal(await done.of(ok.id), 'SUCCESS');
        assert.deepEqual(t.seen, [
          ['taskPrerun', ok.id, 'tasks.hooked', ['success']],
          ['beforeStart', 'tasks.hooked', ok.id, ['success'], {}],
          ['onSuccess', 'ok:success', ok.id],
          ['taskSuccess', ok.id, 'ok:success'],
          ['afterReturn', 'SUCCESS', 'ok:success', ok.id, null],
          ['taskPostrun', ok.id, 'SUCCESS', 'ok:success'],
        ]);

        t.seen.length = 0;
        const bad = await t.hooked.delay('fail');
        assert.equal(await done.of(bad.id), 'FAILURE');
        assert.deepEqual(t.seen, [
          ['taskPrerun', bad.id, 'tasks.hooked', ['fail']],
          ['beforeStart', 'tasks.hooked', bad.id, ['fail'], {}],
          ['onFailure', 'hooked failure', bad.id, ['fail'], {}, 'Transient', true],
          ['taskFailure', bad.id, 'hooked failure', 'Transient'],
          ['afterReturn', 'FAILURE', 'hooked failure', bad.id, 'einfo'],
          ['taskPostrun', bad.id, 'FAILURE', 'Transient'],
        ]);
      } finally {
        for (const off of offs) off();
      }
    });

    test('a retry calls onRetry and taskRetry, not afterReturn', async () => {
      const off = runRetriesAtOnce(t.app, t.clock);
      const offPost = t.app.signals.taskPostrun.connect(({ taskId, state }) => void t.seen.push(['taskPostrun', taskId, state]), { sender: 'tasks.hooked' });
      const offRetry = t.app.signals.taskRetry.connect(({ request, reason }) => void t.seen.push(['taskRetry', request.id, request.retries, reason.countdown]), {
        sender: 'tasks.hooked',
      });
      try {
        t.seen.length = 0;
        const r = await t.hooked.delay('retry');
        assert.equal(await done.of(r.id), 'SUCCESS');
        assert.deepEqual(t.seen, [
          ['beforeStart', 'tasks.hooked', r.id, ['retry'], {}],
          ['onRetry', 'hooked retry', r.id, { exc_type: 'Transient', exc_message: ['hooked retry'], exc_module: 'celeriac.errors' }],
          ['taskRetry', r.id, 0, 5],
          ['taskPostrun', r.id, 'RETRY'],
          ['beforeStart', 'tasks.hooked', r.id, ['retry'], {}],
          ['onSuccess', 'ok:retry', r.id],
          ['afterReturn', 'SUCCESS', 'ok:retry', r.id, null],
          ['taskPostrun', r.id, 'SUCCESS'],
        ]);
      } finally {
        off();
        offPost();
        offRetry();
      }
    });

    test('task_annotations: per-name options and a "*" onFailure for every task; own options beat the base', async () => {
      assert.equal(t.annotated.options.rateLimit, '10/s');
      assert.equal(t.annotated.options.maxRetries, 0);
      t.failures.length = 0;
      const r = await t.annotated.delay();
      await assert.rejects(r.get({ timeout: 10_000 }), (err: unknown) => err instanceof TaskFailedError && err.excType === 'MaxRetriesExceededError');
      const s = await t.strict.delay();
      await assert.rejects(s.get({ timeout: 10_000 }), (err: unknown) => err instanceof TaskFailedError && err.excType === 'MaxRetriesExceededError');
      assert.equal(t.strict.options.maxRetries, 0);
      // The '*' wrapper applies to every task, over the task's own options and its base's.
      assert.deepEqual(
        t.failures.map((f) => [f.task, f.id, f.excType]),
        [
          ['tasks.annotated', r.id, 'MaxRetriesExceededError'],
          ['tasks.strict', s.id, 'MaxRetriesExceededError'],
        ],
      );
    });

    test('a handler or signal handler that throws is logged and does not fail the task', async () => {
      const offs = [
        t.app.signals.taskPrerun.connect(() => {
          throw new Error('broken prerun handler');
        }),
        t.app.signals.taskSuccess.connect(async () => {
          throw new Error('broken async success handler');
        }),
        t.app.signals.beforeTaskPublish.connect(() => {
          throw new Error('broken publish handler');
        }),
      ];
      try {
        assert.equal(await (await t.throwingHook.delay()).get({ timeout: 10_000 }), 'still a success');
      } finally {
        for (const off of offs) off();
      }
    });

    test('before/after_task_publish see the message; header changes reach the worker', async () => {
      const published: unknown[] = [];
      const offBefore = t.app.signals.beforeTaskPublish.connect(
        ({ sender, body, exchange, routingKey, headers, properties }) => {
          published.push(['before', sender, body[0], exchange, routingKey, headers.task, properties.correlation_id === headers.id]);
          headers.tenant = 'acme';
        },
        { sender: 'tasks.headers' },
      );
      const offAfter = t.app.signals.afterTaskPublish.connect(({ sender, routingKey, headers }) => void published.push(['after', sender, routingKey, headers.tenant]), {
        sender: 'tasks.headers',
      });
      try {
        const r = await t.headers.delay();
        assert.deepEqual(published, [
          ['before', 'tasks.headers', [], '', 'celery', 'tasks.headers', true],
          ['after', 'tasks.headers', 'celery', 'acme'],
        ]);
        const seenHeaders = await r.get({ timeout: 10_000 });
        assert.equal(seenHeaders.tenant, 'acme');
      } finally {
        offBefore();
        offAfter();
      }
    });

    test('task_revoked (expired), task_unknown and task_rejected carry their payloads', async () => {
      const events: unknown[] = [];
      const offs = [
        t.app.signals.taskRevoked.connect(({ sender, request, expired, terminated }) => void events.push(['revoked', sender, request.id, expired, terminated])),
        t.app.signals.taskUnknown.connect(({ name, id, exc }) => void events.push(['unknown', name, id, exc.name])),
        t.app.signals.taskRejected.connect(({ message, exc }) => void events.push(['rejected', message.headers.id, exc instanceof Error])),
      ];
      try {
        const expired = await t.add.applyAsync([1, 1], {}, { expires: new Date(t.clock.now() - 1000) });
        assert.equal(await done.of(expired.id), 'REVOKED');

        const deadUnknown = once(worker, 'dead-letter');
        const unknown = await t.app.sendTask('tasks.nobody_has_this', []);
        await deadUnknown;

        const deadBad = once(worker, 'dead-letter');
        await (await t.app.transport()).publish(
          { body: Buffer.from('{not json'), contentType: 'application/json', contentEncoding: 'utf-8', headers: { task: 'tasks.add', id: 'bad-1' }, properties: {} },
          { exchange: '', routingKey: 'celery' },
        );
        await deadBad;
        assert.deepEqual(events, [
          ['revoked', 'tasks.add', expired.id, true, false],
          ['unknown', 'tasks.nobody_has_this', unknown.id, 'NotRegisteredError'],
          ['rejected', 'bad-1', true],
        ]);
      } finally {
        for (const off of offs) off();
      }
    });

    test('worker_init, worker_process_init, worker_ready and worker_shutdown fire in order, awaited', async () => {
      const events: string[] = [];
      const offs = [
        t.app.signals.workerInit.connect(async ({ sender, worker: w }) => {
          await new Promise((r) => setImmediate(r));
          events.push(`init ${sender} ${w.queues.join(',')}`);
        }),
        t.app.signals.workerProcessInit.connect(({ sender }) => void events.push(`process_init ${sender}`)),
        t.app.signals.workerReady.connect(({ sender, worker: w }) => void events.push(`ready ${sender} c=${w.concurrency}`)),
        t.app.signals.workerShutdown.connect(async ({ sender }) => {
          await new Promise((r) => setImmediate(r));
          events.push(`shutdown ${sender}`);
        }),
      ];
      try {
        const other = new Worker(t.app, { queues: ['side'], concurrency: 2, hostname: 'w2@test', logger: silentLogger() });
        await other.start();
        assert.deepEqual(events, ['init w2@test side', 'process_init w2@test', 'ready w2@test c=2']);
        await other.stop();
        assert.deepEqual(events.slice(3), ['shutdown w2@test']);
      } finally {
        for (const off of offs) off();
      }
    });
  });
}

test('app.setupLogging: after_setup_logger handlers add sinks; a setup_logging handler takes over', () => {
  const app = new Celery('log', { broker_url: 'memory://' }, { logger: silentLogger() });
  // The logger opens its file asynchronously: keep the file until the process ends.
  const logDir = mkdtempSync(join(tmpdir(), 'celeriac-setup-log-'));
  process.on('exit', () => rmSync(logDir, { recursive: true, force: true }));
  const logfile = join(logDir, 'setup.log');
  const records: Array<{ level: string; msg: string; task: unknown }> = [];
  const seen: string[] = [];
  // Seed 002's pattern: one handler on both signals, shipping ERROR lines elsewhere.
  const handler = ({ loglevel, logfile: file, addSink }: AfterSetupLoggerPayload) => {
    seen.push(`${loglevel} ${file === logfile}`);
    addSink({ level: 'error', write: (r) => void records.push({ level: r.level, msg: r.msg, task: r.taskName }) });
  };
  app.signals.afterSetupLogger.connect(handler);
  app.signals.afterSetupTaskLogger.connect(handler);
  const log = app.setupLogging({ loglevel: 'warning', logfile });
  assert.equal(app.log, log);
  log.warn('not an error');
  log.error('a worker error');
  log.child({ taskName: 'tasks.add', taskId: 'x' }).error('a task error');
  assert.deepEqual(seen, ['warning true', 'warning true']);
  assert.deepEqual(records, [
    { level: 'error', msg: 'a worker error', task: undefined },
    { level: 'error', msg: 'a task error', task: 'tasks.add' },
  ]);

  const custom = new Celery('log2', { broker_url: 'memory://' }, { logger: silentLogger() });
  const mine = silentLogger();
  custom.signals.setupLogging.connect(({ loglevel }) => {
    assert.equal(loglevel, 'info');
    custom.log = mine;
  });
  let addSinkError: unknown;
  custom.signals.afterSetupLogger.connect(({ logger, addSink }) => {
    assert.equal(logger, mine);
    try {
      addSink({ write: () => undefined });
    } catch (err) {
      addSinkError = err;
    }
  });
  assert.equal(custom.setupLogging(), mine);
  assert.match(String(addSinkError), /setup_logging handler configured logging/);
});
