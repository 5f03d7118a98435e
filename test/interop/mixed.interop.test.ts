// Mixed consumption: a Python Celery worker and a celeriac worker consume the same Redis queue,
// tasks are sent from both sides, and every task runs exactly once. Side by side, at the same
// time: the same Python apply_async calls sent to a queue only one kind of worker consumes end
// alike. Last, once both are done, the workers stop warm and leave nothing queued or unacked.
//
// The stop comes only after every test that needs the workers: a warm shutdown gives ETA-held
// messages back to the queue unrun, so a stop while a countdown task waits leaves it PENDING
// (seen as a flaky `countdown 2 + expires 1` PENDING under load, when the stop was part of the
// first, concurrently running test).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Celery } from 'celeriac';
import { startCeleriacWorker, type CeleriacWorker } from './celeriac-worker.js';
import { describeInterop } from './environment.js';
import { interopFile } from './interop-file.js';
import { pythonBatch, type PythonSendSpec } from './python-client.js';
import { startPythonWorker, type PythonWorker } from './python-worker.js';
import { readRecord } from './record-file.js';
import { flushDb, listLengths, redisSnapshot, unackedCounts } from './redis-db.js';
import { getOrDiagnose } from './result-diagnosis.js';

const { env, db, url, recordFile, workerEnv, path, cleanUp } = await interopFile('mixed');
const QUEUE = 'interop.mixed';
/** Queues only one kind of worker consumes, for side-by-side comparisons. */
const PY_ONLY = 'interop.same.py';
const TS_ONLY = 'interop.same.ts';
/** Tasks per sending side; N = 200 in all. */
const PER_SIDE = 100;

describeInterop('mixed consumption: Python and celeriac workers on one Redis queue', env, () => {
  let py: PythonWorker | undefined;
  let ts: CeleriacWorker | undefined;
  let app: Celery;

  before(async () => {
    await flushDb(db);
    app = new Celery('interop', { broker_url: url, result_backend: url });
    [py, ts] = await Promise.all([
      startPythonWorker({ queues: [QUEUE, PY_ONLY], env: workerEnv, nodename: 'py-mixed@%h', logFile: path('python-worker.log') }),
      startCeleriacWorker({ queues: [QUEUE, TS_ONLY], env: workerEnv, nodename: 'ts-mixed@%h', logFile: path('celeriac-worker.log') }),
    ]);
  });

  after(async () => {
    const codes = await Promise.all([py?.stop(), ts?.stop()]);
    await app?.close();
    cleanUp();
    assert.deepEqual(codes, [0, 0], 'both workers shut down warm with exit code 0');
  });

  describe('while both workers run', { concurrency: true }, () => {
    test(`${2 * PER_SIDE} tasks sent from both sides (some with a countdown): each runs exactly once, on both kinds of worker`, { timeout: 120_000 }, async () => {
      // Every 10th task waits 1 s: ETA tasks are held unacked by whichever worker took them.
      const countdown = (i: number): number | undefined => (i % 10 === 0 ? 1 : undefined);
      const record = app.remoteTask<(token: string) => string>('tasks.record');
      const pythonSpecs: PythonSendSpec[] = Array.from({ length: PER_SIDE }, (_, i) => ({
        name: 'tasks.record',
        args: [`py-${i}`],
        options: { queue: QUEUE, countdown: countdown(i) },
        wait: true,
        timeout: 60,
      }));
      const [pythonOutcomes, celeriacResults] = await Promise.all([
        pythonBatch(pythonSpecs, workerEnv),
        Promise.all(Array.from({ length: PER_SIDE }, (_, i) => record.applyAsync([`ts-${i}`], {}, { queue: QUEUE, countdown: countdown(i) }))),
      ]);
      // Python reads the results of what Python sent; celeriac those of what celeriac sent.
      const notDone = pythonOutcomes.filter((o) => o.state !== 'SUCCESS');
      assert.deepEqual(notDone, [], `Python sends that did not succeed:\n${notDone.length ? await redisSnapshot(db) : ''}`);
      assert.deepEqual(
        pythonOutcomes.map((o) => o.result),
        pythonSpecs.map((s) => s.args![0]),
      );
      const values = await Promise.all(celeriacResults.map((r) => getOrDiagnose(r, db, 60_000)));
      assert.deepEqual(values, Array.from({ length: PER_SIDE }, (_, i) => `ts-${i}`));

      const runs = readRecord(recordFile);
      const byToken = new Map<string, string[]>();
      for (const run of runs) byToken.set(run.token, [...(byToken.get(run.token) ?? []), run.kind]);
      const twice = [...byToken].filter(([, kinds]) => kinds.length > 1);
      assert.deepEqual(twice, [], 'tasks that ran more than once (token → worker kinds)');
      assert.equal(byToken.size, 2 * PER_SIDE, 'every task ran');
      const kinds = new Map<string, number>();
      for (const run of runs) kinds.set(run.kind, (kinds.get(run.kind) ?? 0) + 1);
      assert.ok(kinds.get('python') && kinds.get('celeriac'), `both kinds of worker took part: ${JSON.stringify(Object.fromEntries(kinds))}`);
    });

    test('the same Python apply_async calls (countdown, expires, a retrying task) end alike on a Python and a celeriac worker', { timeout: 120_000 }, async () => {
      const past = new Date(Date.now() - 60_000).toISOString();
      const cases: Array<{ what: string; spec: Omit<PythonSendSpec, 'options'> & { options: NonNullable<PythonSendSpec['options']> } }> = [
        { what: 'countdown 1 + expires 30', spec: { name: 'tasks.echo', via: 'apply_async', args: ['c'], options: { countdown: 1, expires: 30 } } },
        { what: 'countdown 2 + expires 1 (expired while held for its ETA)', spec: { name: 'tasks.echo', via: 'apply_async', args: ['e'], options: { countdown: 2, expires: 1 } } },
        { what: 'expires in the past', spec: { name: 'tasks.echo', via: 'apply_async', args: ['p'], options: { expires: past } } },
        { what: 'a task that retries once', spec: { name: 'tasks.retry_once', via: 'apply_async', args: ['r'], options: {} } },
      ];
      const specs = cases.flatMap(({ spec }) =>
        [PY_ONLY, TS_ONLY].map((queue) => ({ ...spec, options: { ...spec.options, queue }, wait: true, timeout: 30 })),
      );
      // One client process per send, as the single-send tests read results.
      const outcomes = (await Promise.all(specs.map((spec) => pythonBatch([spec], workerEnv)))).flat();
      cases.forEach(({ what, spec }, i) => {
        const [onPython, onCeleriac] = [outcomes[2 * i]!, outcomes[2 * i + 1]!];
        const worker = (o: typeof onPython) => (o.result as { worker?: string } | null)?.worker;
        if (onPython.state === 'SUCCESS') assert.equal(worker(onPython), 'python', what);
        if (onCeleriac.state === 'SUCCESS') assert.equal(worker(onCeleriac), 'celeriac', what);
        const shape = (o: typeof onPython) => {
          const result = o.result as Record<string, unknown> | null;
          return {
            state: o.state,
            excType: o.exc_type,
            args: result?.args,
            retries: result?.retries ?? (result?.request as { retries?: number } | undefined)?.retries,
            waitedForCountdown: spec.options.countdown === undefined || typeof result?.ran_at !== 'number' ? null : result.ran_at >= o.sent_at + spec.options.countdown,
          };
        };
        assert.deepEqual(shape(onCeleriac), shape(onPython), `${what}: celeriac ${JSON.stringify(onCeleriac)}\npython ${JSON.stringify(onPython)}`);
      });
      assert.deepEqual(outcomes.map((o) => o.state), ['SUCCESS', 'SUCCESS', 'REVOKED', 'REVOKED', 'REVOKED', 'REVOKED', 'SUCCESS', 'SUCCESS']);
    });
  });

  test('then both workers stop warm, leaving no queued or unacked message', { timeout: 60_000 }, async () => {
    // Acks may be batched, so this is checked after the warm shutdown.
    assert.deepEqual(await Promise.all([py!.stop(), ts!.stop()]), [0, 0], 'both workers shut down warm with exit code 0');
    assert.deepEqual(await listLengths(db, [QUEUE, PY_ONLY, TS_ONLY]), [0, 0, 0], await redisSnapshot(db));
    assert.deepEqual(await unackedCounts(db), { unacked: 0, unackedIndex: 0 }, await redisSnapshot(db, { match: 'unacked*' }));
  });
}, { concurrency: false });
