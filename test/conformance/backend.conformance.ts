/**
 * The result backend conformance suite (DESIGN.md "Seams"): every {@link ResultBackend}
 * implementation runs {@link backendConformance} from its own `backend.<name>.test.ts`. A case an
 * implementation cannot pass is skipped through `harness.skip` with a written reason.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ResultBackend } from '../../src/backends/backend.js';
import { CeleriacError, ResultTimeoutError } from '../../src/errors.js';
import type { Clock } from '../../src/internal/clock.js';
import { formatTraceback, serializeError } from '../../src/protocol/exception-codec.js';
import { decodeResultMeta, encodeResultMeta } from '../../src/protocol/result-codec.js';
import type { ResultMeta } from '../../src/protocol/result-meta.js';
import type { TaskState } from '../../src/protocol/task-state.js';
import { loadStoredResultFixtures } from './celery-result-fixtures.js';
import { ManualClock } from './manual-clock.js';

export interface BackendHarnessOptions {
  clock: Clock;
  /** Omitted = the backend's default (one day). */
  resultExpiresMs?: number | null;
}

export interface BackendHarness {
  /** A new backend over fresh, empty storage. */
  create(options: BackendHarnessOptions): ResultBackend;
  /** Case name → why this implementation skips it. */
  skip?: Partial<Record<string, string>>;
}

const DATE_DONE = '2026-11-21T04:57:53.040347';

export function meta(taskId: string, status: TaskState, result: unknown, extra: Partial<ResultMeta> = {}): ResultMeta {
  const ready = status === 'SUCCESS' || status === 'FAILURE' || status === 'REVOKED';
  return { taskId, status, result, traceback: null, children: [], dateDone: ready ? DATE_DONE : null, ...extra };
}

function failure(taskId: string, err: unknown): ResultMeta {
  return meta(taskId, 'FAILURE', serializeError(err), { traceback: formatTraceback(err) });
}

/** Observe a promise's outcome without awaiting it. */
function track<T>(promise: Promise<T>): { settled: boolean; value?: T; error?: unknown } {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

function isCode(code: string): (error: unknown) => boolean {
  return (error) => error instanceof CeleriacError && error.code === code;
}

export function backendConformance(name: string, harness: BackendHarness): void {
  const cases = new Map<string, (t: TestContext) => Promise<void>>();
  const it = (caseName: string, fn: (t: TestContext) => Promise<void>): void => void cases.set(caseName, fn);

  async function open(t: TestContext, options: Partial<BackendHarnessOptions> = {}) {
    const clock = new ManualClock();
    const backend = harness.create({ clock, ...options });
    await backend.start();
    t.after(() => backend.stop());
    return { backend, clock };
  }

  it('a task never stored reads as PENDING', async (t) => {
    const { backend } = await open(t);
    const id = randomUUID();
    assert.deepEqual(await backend.getMeta(id), {
      taskId: id,
      status: 'PENDING',
      result: null,
      traceback: null,
      children: [],
      dateDone: null,
    });
  });

  it('stores and reads back SUCCESS, FAILURE, STARTED, RETRY and REVOKED', async (t) => {
    const { backend } = await open(t);
    const stored: ResultMeta[] = [
      meta(randomUUID(), 'SUCCESS', { sum: 4, items: [1, 'two', null, { deep: true }] }, {
        children: [[[randomUUID(), null], null]],
        groupId: randomUUID(),
        parentId: randomUUID(),
        extended: { name: 'tasks.add', args: [2, 2], kwargs: {}, worker: 'w1@host', retries: 0, queue: 'celery' },
      }),
      failure(randomUUID(), new TypeError('bad input')),
      meta(randomUUID(), 'STARTED', { pid: 4242, hostname: 'w1@host' }),
      meta(randomUUID(), 'RETRY', serializeError(new Error('transient 5')), { traceback: 'Error: transient 5' }),
      meta(randomUUID(), 'REVOKED', { exc_type: 'TaskRevokedError', exc_message: ['revoked'], exc_module: 'celery.exceptions' }),
    ];
    await Promise.all(stored.map((m) => backend.storeResult(m)));
    for (const m of stored) assert.deepEqual(await backend.getMeta(m.taskId), m);
  });

  it('keeps what Celery stored: every captured value reads back in the same layout', async (t) => {
    const { backend } = await open(t);
    const fixtures = loadStoredResultFixtures();
    assert.ok(fixtures.length >= 15, `found ${fixtures.length} captured results`);
    for (const fixture of fixtures) {
      const id = randomUUID();
      await backend.storeResult(decodeResultMeta(id, fixture.raw));
      const expected = JSON.stringify({ ...(JSON.parse(fixture.raw) as object), task_id: id });
      assert.equal(encodeResultMeta(await backend.getMeta(id)), expected, fixture.where);
    }
  });

  it('a later state replaces an earlier one until SUCCESS', async (t) => {
    const { backend } = await open(t);
    const id = randomUUID();
    await backend.storeResult(meta(id, 'STARTED', { pid: 1, hostname: 'w1@host' }));
    await backend.storeResult(meta(id, 'RETRY', serializeError(new Error('again'))));
    assert.equal((await backend.getMeta(id)).status, 'RETRY');
    await backend.storeResult(failure(id, new Error('boom')));
    assert.equal((await backend.getMeta(id)).status, 'FAILURE');
    await backend.storeResult(meta(id, 'SUCCESS', 7));
    assert.deepEqual(await backend.getMeta(id), meta(id, 'SUCCESS', 7));
  });

  it('never overwrites a SUCCESS (a later FAILURE or STARTED is a no-op)', async (t) => {
    const { backend } = await open(t);
    const id = randomUUID();
    await backend.storeResult(meta(id, 'SUCCESS', 5));
    await backend.storeResult(failure(id, new Error('late duplicate')));
    await backend.storeResult(meta(id, 'STARTED', { pid: 2, hostname: 'w2@host' }));
    await backend.storeResult(meta(id, 'SUCCESS', 6));
    assert.deepEqual(await backend.getMeta(id), meta(id, 'SUCCESS', 5));
  });

  it('reads its own writes before they settle', async (t) => {
    const { backend } = await open(t);
    const id = randomUUID();
    const storing = backend.storeResult(meta(id, 'SUCCESS', 'early'));
    assert.equal((await backend.getMeta(id)).result, 'early');
    await storing;
  });

  it('stores many results written at once', async (t) => {
    const { backend } = await open(t);
    const ids = Array.from({ length: 3_000 }, () => randomUUID());
    await Promise.all(ids.map((id, i) => backend.storeResult(meta(id, 'SUCCESS', i))));
    for (const [i, id] of ids.entries()) assert.equal((await backend.getMeta(id)).result, i);
  });

  it('rejects a result JSON cannot hold with ENCODE_ERROR', async (t) => {
    const { backend } = await open(t);
    await assert.rejects(backend.storeResult(meta(randomUUID(), 'SUCCESS', 10n)), isCode('ENCODE_ERROR'));
  });

  it('waitForReady returns at once when the task is already ready', async (t) => {
    const { backend } = await open(t);
    const id = randomUUID();
    await backend.storeResult(failure(id, new Error('done already')));
    const got = await backend.waitForReady(id, { timeoutMs: 1_000 });
    assert.equal(got.status, 'FAILURE');
  });

  it('waitForReady resolves when a ready state is stored later, not on STARTED or RETRY', async (t) => {
    const { backend } = await open(t);
    const id = randomUUID();
    const waiting = backend.waitForReady(id);
    const observed = track(waiting);
    await nextTurn();
    await backend.storeResult(meta(id, 'STARTED', { pid: 3, hostname: 'w1@host' }));
    await backend.storeResult(meta(id, 'RETRY', serializeError(new Error('again'))));
    await nextTurn();
    assert.equal(observed.settled, false, 'woken by a state that is not ready');
    await backend.storeResult(meta(id, 'SUCCESS', 42));
    assert.deepEqual(await waiting, meta(id, 'SUCCESS', 42));
  });

  it('waitForReady wakes every waiter of a task, and each state ready (FAILURE, REVOKED)', async (t) => {
    const { backend } = await open(t);
    const failed = randomUUID();
    const revoked = randomUUID();
    const waits = [backend.waitForReady(failed), backend.waitForReady(failed), backend.waitForReady(revoked)];
    await nextTurn();
    const revokedMeta = meta(revoked, 'REVOKED', serializeError(new Error('x')));
    await Promise.all([backend.storeResult(failure(failed, new RangeError('out of range'))), backend.storeResult(revokedMeta)]);
    const [a, b, c] = await Promise.all(waits);
    assert.equal(a?.status, 'FAILURE');
    assert.deepEqual(a, b);
    assert.deepEqual(c, revokedMeta);
  });

  it('waitForReady times out with ResultTimeoutError', async (t) => {
    const { backend, clock } = await open(t);
    const id = randomUUID();
    const waiting = backend.waitForReady(id, { timeoutMs: 1_000 });
    const observed = track(waiting);
    await nextTurn();
    clock.advance(999);
    await nextTurn();
    assert.equal(observed.settled, false, 'timed out early');
    clock.advance(1);
    await assert.rejects(waiting, (error) => error instanceof ResultTimeoutError && error.taskId === id && error.timeoutMs === 1_000);
    // A timed-out waiter is gone: a later result is stored and read normally.
    await backend.storeResult(meta(id, 'SUCCESS', 1));
    assert.equal((await backend.waitForReady(id)).result, 1);
  });

  it('waitForReady honours an abort signal', async (t) => {
    const { backend } = await open(t);
    const id = randomUUID();
    const reason = new Error('caller gave up');
    await assert.rejects(backend.waitForReady(id, { signal: AbortSignal.abort(reason) }), (e) => e === reason);
    const controller = new AbortController();
    const waiting = backend.waitForReady(id, { signal: controller.signal, timeoutMs: 60_000 });
    await nextTurn();
    controller.abort(reason);
    await assert.rejects(waiting, (e) => e === reason);
    const other = backend.waitForReady(id);
    await backend.storeResult(meta(id, 'SUCCESS', 'after abort'));
    assert.equal((await other).result, 'after abort');
  });

  it('forget deletes a stored result (reads PENDING again)', async (t) => {
    const { backend } = await open(t);
    const id = randomUUID();
    await backend.storeResult(meta(id, 'SUCCESS', 5));
    await backend.forget(id);
    assert.equal((await backend.getMeta(id)).status, 'PENDING');
    await backend.forget(randomUUID());
    // Forgotten means gone, so the SUCCESS guard no longer applies.
    await backend.storeResult(failure(id, new Error('rerun failed')));
    assert.equal((await backend.getMeta(id)).status, 'FAILURE');
  });

  it('results expire after resultExpiresMs (read as PENDING; each write restarts the lifetime)', async (t) => {
    const { backend, clock } = await open(t, { resultExpiresMs: 1_000 });
    const id = randomUUID();
    await backend.storeResult(meta(id, 'STARTED', { pid: 1, hostname: 'w1@host' }));
    clock.advance(600);
    await backend.storeResult(meta(id, 'SUCCESS', 5));
    clock.advance(999);
    assert.equal((await backend.getMeta(id)).status, 'SUCCESS');
    clock.advance(1);
    assert.equal((await backend.getMeta(id)).status, 'PENDING');
  });

  it('an expired SUCCESS neither blocks a new write nor satisfies a waiter', async (t) => {
    const { backend, clock } = await open(t, { resultExpiresMs: 1_000 });
    const id = randomUUID();
    await backend.storeResult(meta(id, 'SUCCESS', 5));
    clock.advance(1_000);
    const waiting = backend.waitForReady(id, { timeoutMs: 50 });
    await nextTurn();
    clock.advance(50);
    await assert.rejects(waiting, ResultTimeoutError);
    await backend.storeResult(failure(id, new Error('second run')));
    assert.equal((await backend.getMeta(id)).status, 'FAILURE');
  });

  it('resultExpiresMs null or 0 keeps results forever', async (t) => {
    for (const resultExpiresMs of [null, 0]) {
      const { backend, clock } = await open(t, { resultExpiresMs });
      const id = randomUUID();
      await backend.storeResult(meta(id, 'SUCCESS', 5));
      clock.advance(400 * 86_400_000);
      assert.equal((await backend.getMeta(id)).status, 'SUCCESS', `resultExpiresMs ${resultExpiresMs}`);
    }
  });

  it('stop rejects pending waiters and later calls with BACKEND_CLOSED; start reopens', async (t) => {
    const { backend } = await open(t);
    const id = randomUUID();
    const storing = backend.storeResult(meta(id, 'SUCCESS', 'kept'));
    const waiting = backend.waitForReady(randomUUID());
    await nextTurn();
    await backend.stop();
    await storing; // a write accepted before stop() is committed by it
    await assert.rejects(waiting, isCode('BACKEND_CLOSED'));
    await assert.rejects(backend.getMeta(id), isCode('BACKEND_CLOSED'));
    await assert.rejects(backend.storeResult(meta(id, 'SUCCESS', 1)), isCode('BACKEND_CLOSED'));
    await backend.stop();
    await backend.start();
    await backend.start();
    assert.equal((await backend.getMeta(id)).result, 'kept');
  });

  const part = (groupId: string, taskId: string, groupIndex: number | null, state: TaskState, result: unknown) => ({
    groupId,
    taskId,
    groupIndex,
    state,
    result,
  });

  it('a chord join completes once, on its last part, with the parts in group-index order', async (t) => {
    const { backend } = await open(t);
    const gid = randomUUID();
    await backend.setChordSize(gid, 3);
    assert.deepEqual(await backend.chordPartReturn(part(gid, 'c', 2, 'SUCCESS', 30)), { kind: 'pending' });
    assert.deepEqual(await backend.chordPartReturn(part(gid, 'a', 0, 'SUCCESS', { x: [1] })), { kind: 'pending' });
    // A redelivered part counts once.
    assert.deepEqual(await backend.chordPartReturn(part(gid, 'a', 0, 'SUCCESS', { x: [1] })), { kind: 'pending' });
    assert.deepEqual(await backend.chordPartReturn(part(gid, 'b', 1, 'SUCCESS', null)), {
      kind: 'complete',
      parts: [
        { taskId: 'a', state: 'SUCCESS', result: { x: [1] } },
        { taskId: 'b', state: 'SUCCESS', result: null },
        { taskId: 'c', state: 'SUCCESS', result: 30 },
      ],
    });
    // The join is gone: a late duplicate does not complete it again.
    assert.deepEqual(await backend.chordPartReturn(part(gid, 'c', 2, 'SUCCESS', 30)), { kind: 'closed' });
  });

  it('concurrent last parts: exactly one reporter completes the chord', async (t) => {
    const { backend } = await open(t);
    const gid = randomUUID();
    await backend.setChordSize(gid, 20);
    const joins = await Promise.all(Array.from({ length: 20 }, (_, i) => backend.chordPartReturn(part(gid, `t${i}`, i, 'SUCCESS', i))));
    const complete = joins.filter((j) => j.kind === 'complete');
    assert.equal(complete.length, 1);
    assert.deepEqual(
      complete[0]!.kind === 'complete' && complete[0]!.parts.map((p) => p.result),
      Array.from({ length: 20 }, (_, i) => i),
    );
  });

  it('the first failed part closes the join (once); later parts find it closed', async (t) => {
    const { backend } = await open(t);
    const gid = randomUUID();
    await backend.setChordSize(gid, 3);
    assert.deepEqual(await backend.chordPartReturn(part(gid, 'a', 0, 'SUCCESS', 1)), { kind: 'pending' });
    const exc = serializeError(new TypeError('boom'));
    assert.deepEqual(await backend.chordPartReturn(part(gid, 'b', 1, 'FAILURE', exc)), { kind: 'failed' });
    assert.deepEqual(await backend.chordPartReturn(part(gid, 'c', 2, 'REVOKED', exc)), { kind: 'closed' });
    assert.deepEqual(await backend.chordPartReturn(part(gid, 'd', 3, 'SUCCESS', 1)), { kind: 'closed' });
  });

  it('a part without a recorded chord size finds no join', async (t) => {
    const { backend } = await open(t);
    assert.deepEqual(await backend.chordPartReturn(part(randomUUID(), 'a', null, 'SUCCESS', 1)), { kind: 'closed' });
  });

  it('saveGroup / restoreGroup / forgetGroup keep a group tuple', async (t) => {
    const { backend } = await open(t);
    const gid = randomUUID();
    const tuple = [[gid, null], [[['t1', null], null], [['t2', null], null]]];
    assert.equal(await backend.restoreGroup(gid), null);
    await backend.saveGroup(gid, tuple);
    assert.deepEqual(await backend.restoreGroup(gid), tuple);
    await backend.forgetGroup(gid);
    assert.equal(await backend.restoreGroup(gid), null);
  });

  describe(`ResultBackend conformance: ${name}`, () => {
    for (const [caseName, fn] of cases) {
      const skip = harness.skip?.[caseName];
      test(caseName, skip ? { skip } : {}, fn);
    }
  });
}
