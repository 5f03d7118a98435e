// Canvas across Python Celery 5.2 and celeriac over Redis: the seed examples (chain, group,
// chord) sent from a Python client run on a celeriac worker, the same sent from celeriac run on a
// Python worker, and chords split across both (header on one side, body on the other, and a
// header with a part on each side). The Python worker consumes only PY_QUEUE and the celeriac
// worker only `celery`, so the queue a signature names decides who runs it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { Celery, ChordError, GroupResult, chain, chord, group, type AnySignature, type AsyncResult } from 'celeriac';
import { startCeleriacWorker, type CeleriacWorker } from './celeriac-worker.js';
import type { EchoResult } from './echo-result.js';
import { describeInterop, pythonDir, pythonPath } from './environment.js';
import { interopFile } from './interop-file.js';
import { startPythonWorker, type PythonWorker } from './python-worker.js';
import { flushDb } from './redis-db.js';

const { env, db, url, workerEnv, path, cleanUp } = await interopFile('canvas');
const PY_QUEUE = 'interop.canvas.py';
const CASE = { timeout: 90_000 };
const GET = { timeoutMs: 30_000 };
const run = promisify(execFile);

/** Runs python/canvas_client.py and returns its JSON outcome. */
async function pythonCanvas(scenario: string, queue?: string): Promise<Record<string, unknown>> {
  const { stdout } = await run(pythonPath, ['canvas_client.py', scenario, ...(queue ? [queue] : [])], {
    cwd: pythonDir,
    env: { ...process.env, ...workerEnv },
    timeout: 60_000,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describeInterop('canvas across Python Celery and celeriac over Redis', env, () => {
  let celeriacWorker: CeleriacWorker | undefined;
  let pythonWorker: PythonWorker | undefined;
  const app = new Celery('interop', { broker_url: url, result_backend: url });
  const add = app.remoteTask<(x: number, y: number) => number>('tasks.add');
  const mul = app.remoteTask<(x: number, y: number) => number>('tasks.mul');
  const xsum = app.remoteTask<(numbers: number[]) => number>('tasks.xsum');
  const echo = app.remoteTask<(...args: unknown[]) => EchoResult>('tasks.echo');
  const fail = app.remoteTask<(message: string) => number>('tasks.fail');
  /** Send a signature to the Python worker's queue. */
  const py = <S extends AnySignature>(sig: S): S => sig.set({ queue: PY_QUEUE });

  before(async () => {
    await flushDb(db);
    [celeriacWorker, pythonWorker] = await Promise.all([
      startCeleriacWorker({ queues: ['celery'], env: workerEnv, logFile: path('celeriac-worker.log') }),
      startPythonWorker({ queues: [PY_QUEUE], env: workerEnv, logFile: path('python-worker.log') }),
    ]);
  });

  after(async () => {
    const [tsCode, pyCode] = await Promise.all([celeriacWorker?.stop(), pythonWorker?.stop()]);
    await app.close();
    cleanUp();
    assert.equal(tsCode, 0);
    assert.equal(pyCode, 0);
  });

  test('Python sends the seed chain, group and chord; a celeriac worker runs them all', CASE, async () => {
    const [chained, grouped, chorded] = await Promise.all([pythonCanvas('chain'), pythonCanvas('group'), pythonCanvas('chord')]);
    assert.deepEqual(chained, { result: 72, parent: 9, root: 4 });
    assert.deepEqual(grouped, { result: [0, 2, 4, 6, 8, 10, 12, 14, 16, 18], completed: 10 });
    assert.deepEqual(chorded, { result: 15, header: [3, 12] });
  });

  test('a Python chord whose header fails on celeriac: the body is a ChordError Python reads', CASE, async () => {
    const out = await pythonCanvas('chord-failure');
    const failedId = (out.header_ids as string[])[1]!;
    // Python's get() on the chord raises the header's own error first (Celery follows parents).
    assert.deepEqual(out.chord, { exc_type: 'ValueError', exc_message: ['header boom'] });
    const body = out.body as { exc_type: string; exc_message: string[] };
    assert.equal(body.exc_type, 'ChordError');
    assert.match(String(body.exc_message[0]), new RegExp(`^Dependency ${failedId} raised ValueError\\('header boom'\\)$`));
  });

  test('Python apply_async(link=..., link_error=...) on a celeriac worker: callback and errback run', CASE, async () => {
    const out = await pythonCanvas('link');
    assert.equal(out.callback, 50);
    const errback = out.errback as EchoResult;
    assert.equal(errback.worker, 'celeriac');
    assert.deepEqual(errback.args, [out.failed_id, 'errback']);
  });

  test('celeriac sends the seed chain, group and chord; a Python worker runs them all', CASE, async () => {
    const chained = await chain(py(add.s(2, 2)), py(add.s(5)), py(mul.s(8))).applyAsync();
    const grouped = await group(Array.from({ length: 10 }, (_, i) => py(add.s(i, i)))).applyAsync();
    const chorded = await chord([py(add.s(1, 2)), py(mul.s(3, 4))], py(xsum.s())).applyAsync();
    assert.equal(await chained.get(GET), 72);
    assert.equal(await (chained.parent as AsyncResult).get(GET), 9);
    assert.deepEqual(await grouped.get(GET), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    assert.equal(await chorded.get(GET), 15);
    assert.ok(chorded.parent instanceof GroupResult);
  });

  test('Python runs the whole of a chain sent by the Python client (routing check)', CASE, async () => {
    // The same scenario on the Python queue: proves the client script and queue routing, so the
    // celeriac-side results above really came from celeriac.
    assert.deepEqual(await pythonCanvas('chain', PY_QUEUE), { result: 72, parent: 9, root: 4 });
  });

  test('chord split: header on Python workers, body on celeriac', CASE, async () => {
    const r = await chord([py(add.s(1, 2)), py(mul.s(3, 4)), py(add.s(10, 10))], echo.s('body')).applyAsync();
    const body = await r.get(GET);
    assert.equal(body.worker, 'celeriac');
    assert.deepEqual(body.args, [[3, 12, 20], 'body']);
  });

  test('chord split: header on celeriac, body on a Python worker', CASE, async () => {
    const r = await chord([add.s(1, 2), mul.s(3, 4)], py(echo.s('body'))).applyAsync();
    const body = await r.get(GET);
    assert.equal(body.worker, 'python');
    assert.deepEqual(body.args, [[3, 12], 'body']);
  });

  test('chord split: a header with parts on both sides completes whichever side finishes last', CASE, async () => {
    const header = Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? py(add.s(i, 0)) : add.s(i, 0)));
    const results = await Promise.all(Array.from({ length: 3 }, () => chord(header.map((s) => s.clone()), xsum.s()).applyAsync()));
    for (const r of results) assert.equal(await r.get(GET), 28);
  });

  test('chord split: a header part failing on Python fails the chord for celeriac with ChordError', CASE, async () => {
    const r = await chord([add.s(1, 1), py(fail.s('python boom'))], xsum.s()).applyAsync();
    const failedId = (r.parent as GroupResult).results[1]!.id;
    await assert.rejects(r.get(GET), (err: unknown) => err instanceof ChordError && err.failedTaskId === failedId);
  });
});
