/**
 * Canvas end to end — signatures, chains, groups, chords, map/starmap/chunks, nesting, link /
 * linkError, the chord failure policy — run by a real worker on one broker + result backend.
 * `canvas.embedded.test.ts` runs it on memory and sqlite, `canvas.redis.test.ts` on Redis.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  Celery,
  ChordError,
  GroupResult,
  TaskFailedError,
  TaskRevokedError,
  Worker,
  chain,
  chord,
  group,
  type AsyncResult,
} from 'celeriac';
import { silentLogger } from '../../src/internal/logger.js';

const GET = { timeoutMs: 20_000 };
const CASE = { timeout: 60_000 };

export interface CanvasTarget {
  /** Settings of the app (broker, backend, queue), fresh storage per call. */
  settings(): Record<string, unknown>;
  /** Runs after the worker and app stopped. */
  cleanup?(): Promise<void>;
}

/** Resolves once the record task has seen `count` entries for `token`. */
class Recorder {
  readonly seen: unknown[][] = [];
  private waiters: Array<() => void> = [];

  push(args: unknown[]): void {
    this.seen.push(args);
    for (const wake of this.waiters.splice(0)) wake();
  }

  async forToken(token: string, count = 1): Promise<unknown[][]> {
    for (;;) {
      const found = this.seen.filter((args) => args.includes(token));
      if (found.length >= count) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

export function canvasScenarios(name: string, target: CanvasTarget): void {
  describe(`canvas on ${name}`, () => {
    const app = new Celery('canvas', target.settings(), { logger: silentLogger() });
    const recorder = new Recorder();
    const add = app.task('tasks.add', (x: number, y: number) => x + y);
    const mul = app.task('tasks.mul', (x: number, y: number) => x * y);
    const xsum = app.task('tasks.xsum', (numbers: number[]) => numbers.reduce((a, b) => a + b, 0));
    const double = app.task('tasks.double', (x: number) => x * 2);
    const fail = app.task('tasks.fail', (message: string): number => {
      throw new Error(message);
    });
    const record = app.task('tasks.record', (...args: unknown[]) => {
      recorder.push(args);
      return args.length;
    });
    const flakyRuns = new Map<string, number>();
    const flaky = app.task({ name: 'tasks.flaky', bind: true }, (ctx, x: number) => {
      flakyRuns.set(ctx.request.id, (flakyRuns.get(ctx.request.id) ?? 0) + 1);
      if (ctx.request.retries === 0) ctx.retry({ countdown: 0 });
      return x * 100;
    });
    const worker = new Worker(app, { concurrency: 4, logger: silentLogger() });

    before(() => worker.start());
    after(async () => {
      await worker.stop();
      await app.close();
      await target.cleanup?.();
    });

    test('chain: each result is prepended to the next step; parent walks back (seed 001)', CASE, async () => {
      const r = await chain(add.s(2, 2), add.s(5), mul.s(8)).applyAsync();
      assert.equal(await r.get(GET), 72);
      const parent = r.parent as AsyncResult;
      assert.equal(await parent.get(GET), 9);
      assert.equal(await (parent.parent as AsyncResult).get(GET), 4);
      assert.equal((parent.parent as AsyncResult).parent, null);
    });

    test('partial chain with pipe, immutable si, and delay with partial args', CASE, async () => {
      const partial = add.s(4).pipe(mul.s(8));
      assert.equal(await (await partial.applyAsync([2])).get(GET), 48);
      assert.equal(await (await chain(add.s(1, 1), add.si(5, 5)).applyAsync()).get(GET), 10);
      assert.equal(await (await add.s(3).delay(4)).get(GET), 7);
    });

    test('group: GroupResult get/join, counts and states (seed 001)', CASE, async () => {
      const g = await group(Array.from({ length: 10 }, (_, i) => add.s(i, i))).applyAsync();
      assert.ok(g instanceof GroupResult);
      assert.deepEqual(await g.get(GET), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
      assert.deepEqual(await g.join(GET), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
      assert.equal(await g.ready(), true);
      assert.equal(await g.successful(), true);
      assert.equal(await g.failed(), false);
      assert.equal(await g.completedCount(), 10);
      assert.equal(g.results.length, 10);
    });

    test('GroupResult.revoke revokes every member (restored groups too)', CASE, async () => {
      const g = await group(add.s(1, 1).set({ countdown: 1 }), add.s(2, 2).set({ countdown: 1 })).applyAsync();
      await g.save();
      const restored = await GroupResult.restore(g.id, app);
      await restored!.revoke();
      for (const member of g.results) await assert.rejects(member.get(GET), TaskRevokedError);
    });

    test('GroupResult.save / restore / forget', CASE, async () => {
      const g = await group(add.s(1, 1), add.s(2, 2)).applyAsync();
      await g.save();
      const restored = await GroupResult.restore(g.id, app);
      assert.ok(restored);
      assert.deepEqual(
        restored.results.map((r) => r.id),
        g.results.map((r) => r.id),
      );
      assert.deepEqual(await restored.get(GET), [2, 4]);
      await restored.forget();
      assert.equal(await GroupResult.restore(g.id, app), null);
    });

    test('chord: the body gets the header results in header order (seed 001)', CASE, async () => {
      const r = await chord([add.s(1, 2), mul.s(3, 4)], xsum.s()).applyAsync();
      assert.equal(await r.get(GET), 15);
      assert.ok(r.parent instanceof GroupResult);
      assert.deepEqual(await r.parent.get(GET), [3, 12]);
      const wide = await chord(Array.from({ length: 20 }, (_, i) => add.s(i, 0)), record.s('wide')).applyAsync();
      await wide.get(GET);
      const [args] = await recorder.forToken('wide');
      assert.deepEqual(args, [Array.from({ length: 20 }, (_, i) => i), 'wide']);
    });

    test('group.pipe(task) is a chord; an empty header runs the body with []', CASE, async () => {
      assert.equal(await (await group(add.s(1, 1), add.s(2, 2)).pipe(xsum.s()).applyAsync()).get(GET), 6);
      assert.equal(await (await chord([], xsum.s()).applyAsync()).get(GET), 0);
    });

    test('map, starmap and chunks run as Celery built-in tasks', CASE, async () => {
      assert.deepEqual(await (await double.map([1, 2, 3]).delay()).get(GET), [2, 4, 6]);
      assert.deepEqual(await (await add.starmap([[1, 2], [3, 4]]).delay()).get(GET), [3, 7]);
      const chunks = await add.chunks([[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]], 2).applyAsync();
      assert.deepEqual(await chunks.get(GET), [[2, 4], [6, 8], [10]]);
    });

    test('nesting: chain of groups, group of chains, chord in a chain, chord with a chain body', CASE, async () => {
      const chainOfGroups = await chain(add.s(1, 1), group(mul.s(2), mul.s(3))).applyAsync();
      assert.deepEqual(await chainOfGroups.get(GET), [4, 6]);
      const groupOfChains = await group(chain(add.s(1, 1), mul.s(2)), chain(add.s(2, 2), mul.s(3))).applyAsync();
      assert.deepEqual(await groupOfChains.get(GET), [4, 12]);
      const chordInChain = await chain(add.s(1, 1), group(mul.s(2), mul.s(3)), xsum.s(), add.s(100)).applyAsync();
      assert.equal(await chordInChain.get(GET), 110);
      const chainBody = await chord([add.s(1, 1), add.s(2, 2)], chain(xsum.s(), mul.s(10))).applyAsync();
      assert.equal(await chainBody.get(GET), 60);
      const chainsInHeader = await chord([chain(add.s(1, 1), mul.s(10)), add.s(5, 5)], xsum.s()).applyAsync();
      assert.equal(await chainsInHeader.get(GET), 30);
    });

    test('link applies the callback with the result; linkError the errback with the task id', CASE, async () => {
      const callback = mul.s(10);
      const handle = callback.freeze();
      await add.applyAsync([2, 3], {}, { link: callback });
      assert.equal(await handle.get(GET), 50);
      const failed = await fail.applyAsync(['boom'], {}, { linkError: record.s('errback') });
      await assert.rejects(failed.get(GET), TaskFailedError);
      const [args] = await recorder.forToken('errback');
      assert.deepEqual(args, [failed.id, 'errback']);
    });

    test('a failing chain step stops the chain, fails its result and calls the errbacks', CASE, async () => {
      const r = await chain(add.s(1, 1), fail.si('mid-chain'), add.s(3)).applyAsync([], {}, { linkError: record.s('chain-failed') });
      await assert.rejects(r.get(GET), (err: unknown) => err instanceof TaskFailedError && String(err.excMessage[0]) === 'mid-chain');
      const failedStep = r.parent as AsyncResult;
      assert.equal(await failedStep.state, 'FAILURE');
      const [args] = await recorder.forToken('chain-failed');
      assert.equal(args?.[0], failedStep.id);
    });

    test('a failing header task fails the chord with a ChordError naming it; body errbacks run', CASE, async () => {
      const failing = fail.s('header boom');
      const body = xsum.s();
      body.linkError(record.s('chord-failed'));
      const r = await chord([add.s(1, 1), failing, add.s(2, 2)], body).applyAsync();
      const headerIds = (r.parent as GroupResult).results.map((m) => m.id);
      await assert.rejects(r.get(GET), (err: unknown) => {
        assert.ok(err instanceof ChordError, String(err));
        assert.equal(err.failedTaskId, headerIds[1]);
        assert.match(String(err.excMessage[0]), /^Dependency \S+ raised Error\('header boom'\)$/);
        return true;
      });
      const [args] = await recorder.forToken('chord-failed');
      assert.equal(args?.[0], r.id);
    });

    test('an expired header task fails the chord instead of leaving it waiting', CASE, async () => {
      const expired = add.s(1, 1).set({ expires: new Date(Date.now() - 60_000) });
      const r = await chord([expired, add.s(2, 2)], xsum.s()).applyAsync();
      const expiredId = (r.parent as GroupResult).results[0]!.id;
      await assert.rejects(r.get(GET), (err: unknown) => {
        assert.ok(err instanceof ChordError, String(err));
        assert.equal(err.failedTaskId, expiredId);
        assert.match(String(err.excMessage[0]), /raised TaskRevokedError\('expired'\)$/);
        return true;
      });
    });

    test('a retrying header task does not release the body early', CASE, async () => {
      const r = await chord([flaky.s(1), add.s(1, 1)], xsum.s()).applyAsync();
      assert.equal(await r.get(GET), 102);
      const flakyId = (r.parent as GroupResult).results[0]!.id;
      assert.equal(flakyRuns.get(flakyId), 2);
    });

    test('signatures by name and the dict form round trip', CASE, async () => {
      const sig = app.signature<number>('tasks.add', [20, 22]);
      assert.equal(await (await sig.delay()).get(GET), 42);
      assert.deepEqual(add.s(2, 2).toDict(), { task: 'tasks.add', args: [2, 2], kwargs: {}, options: {}, subtask_type: null, immutable: false });
    });
  });
}
