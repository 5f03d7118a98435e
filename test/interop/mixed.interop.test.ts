// Mixed consumption: a Python Celery worker and a celeriac worker consume the same Redis queue,
// tasks are sent from both sides, and every task runs exactly once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Celery } from 'celeriac';
import { startCeleriacWorker, type CeleriacWorker } from './celeriac-worker.js';
import { describeInterop, interopDbs, interopEnvironment, redisUrl } from './environment.js';
import { pythonBatch, type PythonSendSpec } from './python-client.js';
import { startPythonWorker, type PythonWorker } from './python-worker.js';
import { readRecord } from './record-file.js';
import { flushDb, listLengths, redisSnapshot, unackedCounts } from './redis-db.js';
import { getOrDiagnose } from './result-diagnosis.js';

const env = await interopEnvironment();
const db = interopDbs.mixed;
const url = redisUrl(db);
const dir = mkdtempSync(join(tmpdir(), 'celeriac-interop-mixed-'));
const recordFile = join(dir, 'record.txt');
const workerEnv = { INTEROP_BROKER_URL: url, INTEROP_RESULT_BACKEND: url, INTEROP_RECORD_FILE: recordFile };
const QUEUE = 'interop.mixed';
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
      startPythonWorker({ queues: [QUEUE], env: workerEnv, nodename: 'py-mixed@%h', logFile: join(dir, 'python-worker.log') }),
      startCeleriacWorker({ queues: [QUEUE], env: workerEnv, nodename: 'ts-mixed@%h', logFile: join(dir, 'celeriac-worker.log') }),
    ]);
  });

  after(async () => {
    const codes = await Promise.all([py?.stop(), ts?.stop()]);
    await app?.close();
    if (process.env.INTEROP_KEEP_LOGS === '1') process.stdout.write(`# interop logs kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(codes, [0, 0], 'both workers shut down warm with exit code 0');
  });

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

    // Nothing left behind once both workers have stopped: the queue is drained and no message
    // is still held unacked (acks may be batched, so this is checked after the warm shutdown).
    assert.deepEqual(await Promise.all([py!.stop(), ts!.stop()]), [0, 0], 'both workers shut down warm with exit code 0');
    assert.deepEqual(await listLengths(db, [QUEUE]), [0]);
    assert.deepEqual(await unackedCounts(db), { unacked: 0, unackedIndex: 0 }, await redisSnapshot(db, { match: 'unacked*' }));
  });
});
