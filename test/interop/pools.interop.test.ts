// Time limits across languages: a Python Celery 5.2 client sends tasks with `time_limit` /
// `soft_time_limit` to a Python prefork worker and to a `celeriac worker -P processes`, and
// reads both outcomes the same way: a stuck synchronous loop is killed at the hard limit
// (billiard's TimeLimitExceeded), a sleeper is stopped at the soft limit (SoftTimeLimitExceeded),
// and each worker carries on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCeleriacWorker, type CeleriacWorker } from './celeriac-worker.js';
import { describeInterop } from './environment.js';
import { interopFile } from './interop-file.js';
import { PythonClient, type PythonOutcome, type PythonSendSpec } from './python-client.js';
import { startPythonWorker, type PythonWorker } from './python-worker.js';
import { flushDb } from './redis-db.js';
import { readyOrDiagnose } from './result-diagnosis.js';

const { env, db, workerEnv, path, cleanUp } = await interopFile('pools');
const PY = 'pools.python';
const TS = 'pools.celeriac';
const TEST_TIMEOUT_MS = 90_000;
/** Seconds Python waits for each result. */
const WAIT_S = 40;

describeInterop('time limits: Python client → Python prefork worker and celeriac -P processes', env, () => {
  let celeriac: CeleriacWorker | undefined;
  let python: PythonWorker | undefined;
  const client = new PythonClient(workerEnv);

  const send = async (spec: PythonSendSpec): Promise<PythonOutcome> =>
    readyOrDiagnose(await client.send({ wait: true, timeout: WAIT_S, ...spec }), db);
  /** The same send to each worker's queue. */
  const both = (spec: PythonSendSpec): Promise<[PythonOutcome, PythonOutcome]> =>
    Promise.all([PY, TS].map((queue) => send({ ...spec, options: { ...spec.options, queue } }))) as Promise<[PythonOutcome, PythonOutcome]>;
  const failure = (o: PythonOutcome) => ({ state: o.state, exc_type: o.exc_type, exc_module: o.exc_module, exc_message: o.exc_message });

  before(async () => {
    await flushDb(db);
    [celeriac, python] = await Promise.all([
      startCeleriacWorker({ queues: [TS], pool: 'processes', concurrency: 2, env: workerEnv, logFile: path('celeriac-worker.log') }),
      startPythonWorker({ queues: [PY], concurrency: 2, env: workerEnv, logFile: path('python-worker.log') }),
    ]);
  });

  after(async () => {
    const [tsCode, pyCode] = await Promise.all([celeriac?.stop(), python?.stop()]);
    cleanUp();
    assert.equal(tsCode, 0, 'the celeriac worker shuts down warm with exit code 0');
    assert.equal(pyCode, 0);
  });

  test('hard time_limit kills a stuck synchronous loop on both; Python reads TimeLimitExceeded from each', { timeout: TEST_TIMEOUT_MS }, async () => {
    const [py, ts] = await both({ name: 'tasks.spin', options: { time_limit: 2 } });
    assert.deepEqual(failure(py), { state: 'FAILURE', exc_type: 'TimeLimitExceeded', exc_module: 'billiard.exceptions', exc_message: [2] });
    assert.deepEqual(failure(ts), failure(py));
    const [pyAfter, tsAfter] = await both({ name: 'tasks.add', args: [2, 3] });
    assert.equal(pyAfter.result, 5);
    assert.equal(tsAfter.result, 5, 'the celeriac worker carries on with a fresh child');
  });

  test('soft_time_limit stops a sleeper on both with SoftTimeLimitExceeded', { timeout: TEST_TIMEOUT_MS }, async () => {
    const [py, ts] = await both({ name: 'tasks.polite_sleep', args: [30], options: { soft_time_limit: 1, time_limit: 20 } });
    assert.deepEqual(failure(py), { state: 'FAILURE', exc_type: 'SoftTimeLimitExceeded', exc_module: 'billiard.exceptions', exc_message: [] });
    assert.deepEqual(failure(ts), failure(py));
  });
});
