/**
 * The pool seam's conformance suite (DESIGN.md "one conformance suite per seam"): every Pool
 * runs it through a small fixture, with the tasks of test/fixtures/apps/pool-app.ts, which
 * threads and children load themselves. Limits are short but the cases await outcomes, never
 * durations, so a loaded machine only makes them slower.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test as nodeTest } from 'node:test';
import { createTaskContext } from '../../src/app/task-context.js';
import { directRequest } from '../../src/app/task-factory.js';
import { resolveTask } from '../../src/app/task-definition.js';
import { Ignore, Reject, Retry } from '../../src/app/task-control.js';
import type { TaskRequest } from '../../src/app/task-types.js';
import { SoftTimeLimitExceeded, TimeLimitExceeded, WorkerLostError } from '../../src/errors.js';
import { LazyAbortController } from '../../src/internal/lazy-abort-controller.js';
import { formatTraceback, serializeError } from '../../src/protocol/exception-codec.js';
import { PoolStoppedError, type CallOptions, type CallOutcome, type Pool, type TaskCall } from '../../src/worker/pools/pool.js';
import { app } from '../fixtures/apps/pool-app.js';

export interface OpenOptions {
  concurrency: number;
  maxTasksPerChild?: number;
  maxMemoryPerChildBytes?: number;
}

export interface PoolFixture {
  /** A started pool with `concurrency` slots. */
  open(options: OpenOptions): Promise<Pool>;
  /** Cases this pool cannot pass, each with the written reason. */
  skip?: Partial<Record<'stopsSynchronousLoop' | 'recycles' | 'processInit' | 'survivesExit', string>>;
}

const CASE = { timeout: 60_000 };
let nextId = 0;

/** A call of the fixture app's task `name`, as the worker's runner builds it. */
export function taskCall(name: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, abort = new AbortController()): TaskCall {
  const task = app.tasks.get(name);
  if (!task) throw new Error(`no task ${name} in the pool fixture app`);
  const id = `pool-case-${++nextId}`;
  // A request as a message would carry it: the direct-call shape with this id and kwargs.
  const request: TaskRequest = { ...directRequest(name, args), id, rootId: id, correlationId: id, kwargs, hostname: 'conformance@test', calledDirectly: false };
  let ctx: ReturnType<TaskCall['context']> | undefined;
  return {
    task,
    id,
    rootId: id,
    args,
    kwargs,
    context: () => (ctx ??= createTaskContext(resolveTask(task, app).contextPrototype, request, abort.signal, app.log)),
    request: () => request,
  };
}

type CaseOptions = Partial<Omit<CallOptions, 'abort'>> & { abort?: AbortController };

function limits(o: CaseOptions = {}): CallOptions & { abort: AbortController } {
  return { abort: new AbortController(), timeLimitMs: null, softTimeLimitMs: null, ...o };
}

/** Run one call in a slot. */
function call(pool: Pool, name: string, args: unknown[] = [], o: CaseOptions = {}): Promise<CallOutcome> {
  const options = limits(o);
  return pool.run(async (slot) => slot.call(taskCall(name, args, {}, options.abort), options));
}

function errorOf(outcome: CallOutcome): unknown {
  assert.equal(outcome.ok, false, `expected a thrown error, got ${JSON.stringify(outcome)}`);
  return (outcome as { error: unknown }).error;
}

export function poolConformance(kind: string, fixture: PoolFixture): void {
  describe(`pool conformance: ${kind}`, () => {
    const pools: Pool[] = [];
    const open = async (options: OpenOptions): Promise<Pool> => {
      const pool = await fixture.open(options);
      pools.push(pool);
      return pool;
    };
    // Each case's threads or children end with it, so they do not pile up on a small machine.
    afterEach(async () => {
      await Promise.all(pools.splice(0).map((p) => p.stop({ graceful: false })));
    });
    const test = (name: string, fn: () => Promise<void>, skipReason?: string): void => {
      if (skipReason) nodeTest(name, { skip: skipReason }, () => undefined);
      else nodeTest(name, CASE, fn);
    };

    test('runs the task function with its arguments (params map kwargs) and returns its value', async () => {
      const pool = await open({ concurrency: 1 });
      assert.deepEqual(await call(pool, 'pool.add', [2, 3]), { ok: true, value: 5 });
      const kw = await pool.run(async (slot) => slot.call(taskCall('pool.add', [40], { y: 2 }), limits()));
      assert.deepEqual(kw, { ok: true, value: 42 });
    });

    test('a thrown error keeps its name, message, Celery triple and traceback', async () => {
      const pool = await open({ concurrency: 1 });
      const error = errorOf(await call(pool, 'pool.fail', ['boom']));
      assert.ok(error instanceof Error);
      assert.equal(error.name, 'PoolFixtureError');
      assert.equal(error.message, 'boom');
      assert.deepEqual(serializeError(error), { exc_type: 'PoolFixtureError', exc_message: ['boom'], exc_module: 'celeriac.errors' });
      assert.match(formatTraceback(error), /PoolFixtureError: boom\n\s+at /);
    });

    test('Retry, Reject and Ignore come back as themselves; autoretryFor applies where the task runs', async () => {
      const pool = await open({ concurrency: 1 });
      const retry = errorOf(await call(pool, 'pool.retry'));
      assert.ok(retry instanceof Retry);
      assert.equal(retry.countdown, 7);
      assert.equal(retry.plan?.retries, 1);
      const reject = errorOf(await call(pool, 'pool.reject'));
      assert.ok(reject instanceof Reject);
      assert.equal(reject.requeue, true);
      assert.equal(reject.message, 'not for us');
      assert.ok(errorOf(await call(pool, 'pool.ignore')) instanceof Ignore);
      const auto = errorOf(await call(pool, 'pool.autoretry'));
      assert.ok(auto instanceof Retry, 'the PoolFixtureError matched autoretryFor');
      assert.equal(auto.countdown, 3);
      assert.equal((auto.exc as Error).name, 'PoolFixtureError');
    });

    test('fair: while one slot runs a long task, the others take every waiting job', async () => {
      const pool = await open({ concurrency: 2 });
      const long = new LazyAbortController();
      const blocked = call(pool, 'pool.sleep', [600_000], { terminate: long });
      const quick = await Promise.all([1, 2, 3, 4].map((i) => call(pool, 'pool.add', [i, i])));
      assert.deepEqual(quick, [2, 4, 6, 8].map((value) => ({ ok: true, value })));
      long.abort(new Error('done with it'));
      assert.equal((errorOf(await blocked) as Error).message, 'done with it');
    });

    test('resize (autoscale): growing runs waiting jobs at once; shrinking lets running ones finish', async () => {
      const pool = await open({ concurrency: 1 });
      const stop = new LazyAbortController();
      const long = [1, 2, 3].map(() => call(pool, 'pool.sleep', [600_000], { terminate: stop }));
      await waitFor(() => pool.active === 1 && pool.waiting === 2);
      pool.resize(3);
      assert.equal(pool.concurrency, 3);
      await waitFor(() => pool.active === 3);
      pool.resize(1);
      assert.equal(pool.active, 3, 'running jobs are not cut short');
      stop.abort(new Error('enough'));
      for (const outcome of await Promise.all(long)) assert.equal((errorOf(outcome) as Error).message, 'enough');
      assert.deepEqual(await call(pool, 'pool.add', [1, 1]), { ok: true, value: 2 });
    });

    test('soft time limit: ctx.signal aborts with SoftTimeLimitExceeded and the task can react', async () => {
      const pool = await open({ concurrency: 1 });
      const abort = new AbortController();
      const outcome = await call(pool, 'pool.whyAborted', [], { abort, softTimeLimitMs: 50, timeLimitMs: 60_000 });
      assert.deepEqual(outcome, { ok: true, value: 'SoftTimeLimitExceeded' });
      assert.ok(abort.signal.reason instanceof SoftTimeLimitExceeded);
      const unhandled = errorOf(await call(pool, 'pool.sleep', [600_000], { softTimeLimitMs: 50 }));
      assert.ok(unhandled instanceof SoftTimeLimitExceeded, 'a task that lets it escape fails with it');
    });

    test('hard time limit: a task that ignores its signal fails with TimeLimitExceeded and the slot runs the next job', async () => {
      const pool = await open({ concurrency: 1 });
      const abort = new AbortController();
      const error = errorOf(await call(pool, 'pool.hang', [], { abort, timeLimitMs: 100 }));
      assert.ok(error instanceof TimeLimitExceeded);
      assert.equal(error.limitSeconds, 0.1);
      assert.ok(abort.signal.reason instanceof TimeLimitExceeded, 'ctx.signal says why');
      assert.deepEqual(await call(pool, 'pool.add', [1, 1]), { ok: true, value: 2 });
    });

    test(
      'hard time limit stops a synchronous infinite loop; the pool carries on',
      async () => {
        const pool = await open({ concurrency: 1 });
        assert.ok(errorOf(await call(pool, 'pool.spin', [], { timeLimitMs: 200 })) instanceof TimeLimitExceeded);
        assert.deepEqual(await call(pool, 'pool.add', [2, 2]), { ok: true, value: 4 });
        assert.equal(pool.stats.killed, 1);
      },
      fixture.skip?.stopsSynchronousLoop,
    );

    test('terminate ends a running task now with the given reason', async () => {
      const pool = await open({ concurrency: 1 });
      const terminate = new LazyAbortController();
      const abort = new AbortController();
      const running = call(pool, 'pool.hang', [], { terminate, abort });
      // Terminate once it is surely running: a quick job queued behind it must wait for the slot.
      const queued = call(pool, 'pool.add', [3, 4]);
      terminate.abort(new Error('revoked: terminate'));
      assert.equal((errorOf(await running) as Error).message, 'revoked: terminate');
      assert.equal((abort.signal.reason as Error).message, 'revoked: terminate');
      assert.deepEqual(await queued, { ok: true, value: 7 });
    });

    test(
      'maxTasksPerChild: a new thread or child takes over after that many tasks',
      async () => {
        const pool = await open({ concurrency: 1, maxTasksPerChild: 2 });
        const seen: unknown[] = [];
        for (let i = 0; i < 5; i++) seen.push(((await call(pool, 'pool.where')) as { value: unknown }).value);
        assert.equal(seen[0], seen[1]);
        assert.notEqual(seen[1], seen[2]);
        assert.equal(seen[2], seen[3]);
        assert.notEqual(seen[3], seen[4]);
        assert.equal(pool.stats.recycled, 2);
      },
      fixture.skip?.recycles,
    );

    test(
      'maxMemoryPerChild: a thread or child over the mark after a task is replaced; one under it is kept',
      async () => {
        const roomy = await open({ concurrency: 1, maxMemoryPerChildBytes: 2 ** 40 });
        const kept = [await call(roomy, 'pool.where'), await call(roomy, 'pool.leak', [2]), await call(roomy, 'pool.where')];
        assert.equal((kept[0] as { value: unknown }).value, (kept[2] as { value: unknown }).value);
        assert.equal(roomy.stats.recycled, 0);
        const tight = await open({ concurrency: 1, maxMemoryPerChildBytes: 1 });
        const first = await call(tight, 'pool.where');
        assert.deepEqual(await call(tight, 'pool.add', [1, 1]), { ok: true, value: 2 }, 'the task over the mark still finished');
        assert.notEqual((await call(tight, 'pool.where') as { value: unknown }).value, (first as { value: unknown }).value);
        assert.equal(tight.stats.recycled, 3);
      },
      fixture.skip?.recycles,
    );

    test(
      'a thread or child that dies mid-task fails it with WorkerLostError and is replaced',
      async () => {
        const pool = await open({ concurrency: 1 });
        const lost = errorOf(await call(pool, 'pool.exit', [3]));
        assert.ok(lost instanceof WorkerLostError);
        assert.match(lost.message, /exited prematurely \(exit code 3\)/);
        assert.deepEqual(await call(pool, 'pool.add', [5, 5]), { ok: true, value: 10 });
        assert.equal(pool.stats.lost, 1);
      },
      fixture.skip?.survivesExit,
    );

    test(
      'a return value that cannot cross to the worker fails the task with an EncodeError saying why',
      async () => {
        const pool = await open({ concurrency: 1 });
        const error = errorOf(await call(pool, 'pool.unclonable'));
        assert.equal((error as Error).name, 'EncodeError');
        assert.match((error as Error).message, /return value of pool\.unclonable cannot be sent back/);
        assert.deepEqual(await call(pool, 'pool.add', [1, 2]), { ok: true, value: 3 });
      },
      fixture.skip?.survivesExit && 'the async pool hands values over in process: nothing to clone',
    );

    test(
      'worker_process_init ran where the tasks run before the pool was ready',
      async () => {
        const pool = await open({ concurrency: 1 });
        assert.deepEqual(await call(pool, 'pool.processInit'), { ok: true, value: 'conformance@test' });
      },
      fixture.skip?.processInit,
    );

    test('graceful stop lets the running job finish and drops waiting ones', async () => {
      const pool = await open({ concurrency: 1 });
      const running = call(pool, 'pool.sleep', [100]);
      const dropped = assert.rejects(call(pool, 'pool.add', [1, 2]), PoolStoppedError);
      await pool.stop({ graceful: true });
      assert.deepEqual(await running, { ok: true, value: 100 });
      await dropped;
      await assert.rejects(call(pool, 'pool.add', [1, 2]), PoolStoppedError);
    });

    test('cold stop ends running calls at once with PoolStoppedError', async () => {
      const pool = await open({ concurrency: 1 });
      const abort = new AbortController();
      const ended = assert.rejects(call(pool, 'pool.hang', [], { abort }), PoolStoppedError);
      await waitFor(() => pool.active === 1);
      await pool.stop({ graceful: false });
      await ended;
      assert.ok(abort.signal.aborted);
    });
  });
}

/** Polls a condition on the event loop (no wall-clock sleep). */
async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise<void>((resolve) => setImmediate(resolve));
}
