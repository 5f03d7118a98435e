// Python → celeriac: a real Python Celery 5.2 client (test/interop/python/client.py) sends over
// Redis, a `celeriac worker` process runs the tasks of test/interop/celeriac-app.ts, and Python
// reads the results from the Redis backend.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Celery } from 'celeriac';
import { startCeleriacWorker, type CeleriacWorker } from './celeriac-worker.js';
import { megabyteText, type EchoResult } from './echo-result.js';
import { describeInterop } from './environment.js';
import { interopFile } from './interop-file.js';
import { PythonClient, type PythonOutcome, type PythonSendSpec } from './python-client.js';
import { readRecord } from './record-file.js';
import { flushDb, listLengths, redisSnapshot } from './redis-db.js';
import { getOrDiagnose, readyOrDiagnose } from './result-diagnosis.js';

const { env, db, url, recordFile, workerEnv, path, cleanUp } = await interopFile('pythonToCeleriac');
const HIPRI = 'interop.hipri';
const ROUTED = 'interop.routed';
const TEST_TIMEOUT_MS = 60_000;
/** Seconds Python waits for each result. */
const WAIT_S = 20;

describeInterop('Python Celery client → celeriac worker over Redis', env, () => {
  let worker: CeleriacWorker | undefined;
  let app: Celery;
  const python = new PythonClient(workerEnv);

  /** Send from Python and wait there for the result; a timeout fails with what Redis holds. */
  const send = async (spec: PythonSendSpec): Promise<PythonOutcome> =>
    readyOrDiagnose(await python.send({ wait: true, timeout: WAIT_S, ...spec }), db);
  const echoed = async (spec: Omit<PythonSendSpec, 'name'>): Promise<EchoResult> => {
    const out = await send({ name: 'tasks.echo', ...spec });
    assert.equal(out.state, 'SUCCESS', `echo failed: ${out.exc_type}: ${JSON.stringify(out.exc_message)}\n${out.traceback ?? ''}`);
    const echo = out.result as EchoResult;
    assert.equal(echo.worker, 'celeriac');
    return echo;
  };

  before(async () => {
    await flushDb(db);
    app = new Celery('interop', { broker_url: url, result_backend: url });
    worker = await startCeleriacWorker({ queues: ['celery', HIPRI, ROUTED], env: workerEnv, logFile: path('celeriac-worker.log') });
  });

  after(async () => {
    const code = await worker?.stop();
    await app?.close();
    cleanUp();
    assert.equal(code, 0, 'the celeriac worker shuts down warm with exit code 0');
  });

  test('delay: Python tasks.add.delay(2, 2) runs on celeriac, Python reads 4', { timeout: TEST_TIMEOUT_MS }, async () => {
    const out = await send({ name: 'tasks.add', via: 'delay', args: [2, 2] });
    assert.equal(out.state, 'SUCCESS');
    assert.equal(out.result, 4);
  });

  test('send_task by name: tasks.mul and tasks.xsum', { timeout: TEST_TIMEOUT_MS }, async () => {
    const [mul, xsum] = await Promise.all([
      send({ name: 'tasks.mul', args: [3, 4] }),
      send({ name: 'tasks.xsum', args: [[1, 2, 3, 4.5]] }),
    ]);
    assert.equal(mul.result, 12);
    assert.equal(xsum.result, 10.5);
  });

  test('apply_async with keyword arguments lands them on the declared params', { timeout: TEST_TIMEOUT_MS }, async () => {
    const out = await send({ name: 'tasks.add', via: 'apply_async', kwargs: { y: 2, x: 40 } });
    assert.equal(out.result, 42);
  });

  test('countdown: celeriac runs it no earlier than 1 s after the send', { timeout: TEST_TIMEOUT_MS }, async () => {
    const out = await send({ name: 'tasks.echo', via: 'apply_async', args: ['countdown'], options: { countdown: 1 } });
    const echo = out.result as EchoResult;
    assert.ok(echo.request.eta, 'the message carries an eta header');
    const etaMs = Date.parse(echo.request.eta);
    // Whole milliseconds: the header may carry microseconds that Date.parse drops.
    assert.ok(etaMs >= Math.floor(out.sent_at * 1000) + 1000, `eta ${echo.request.eta} is 1 s after the send (${out.sent_at})`);
    assert.ok(echo.ran_at * 1000 >= etaMs, `ran at ${echo.ran_at}, before its eta ${echo.request.eta}`);
  });

  test('eta: celeriac runs it at or after the given time', { timeout: TEST_TIMEOUT_MS }, async () => {
    const eta = new Date(Date.now() + 1500);
    const echo = await echoed({ via: 'apply_async', args: ['eta'], options: { eta: eta.toISOString() } });
    assert.equal(Date.parse(echo.request.eta ?? ''), eta.getTime(), `eta header ${echo.request.eta} is ${eta.toISOString()}`);
    assert.ok(echo.ran_at * 1000 >= eta.getTime(), `ran at ${echo.ran_at}, before its eta ${eta.toISOString()}`);
  });

  test('expires in the past: REVOKED (expired), never run, and Python reads TaskRevokedError', { timeout: TEST_TIMEOUT_MS }, async () => {
    const token = 'expired-past';
    const out = await send({ name: 'tasks.record', args: [token], options: { expires: new Date(Date.now() - 60_000).toISOString() } });
    assert.equal(out.state, 'REVOKED');
    assert.equal(out.exc_type, 'TaskRevokedError');
    assert.deepEqual(out.exc_message, ['expired']);
    assert.equal(readRecord(recordFile).filter((x) => x.token === token).length, 0, 'an expired task must not run');
  });

  test('expires (seconds) before its countdown: REVOKED at execution, never run', { timeout: TEST_TIMEOUT_MS }, async () => {
    const token = 'expired-while-waiting';
    const out = await send({ name: 'tasks.record', args: [token], options: { countdown: 2, expires: 1 } });
    assert.equal(out.state, 'REVOKED');
    assert.deepEqual(out.exc_message, ['expired']);
    assert.equal(readRecord(recordFile).filter((x) => x.token === token).length, 0, 'an expired task must not run');
  });

  test('expires in the future: runs normally and the task sees the expires header', { timeout: TEST_TIMEOUT_MS }, async () => {
    const echo = await echoed({ via: 'apply_async', args: ['fresh'], options: { expires: 60 } });
    assert.ok(echo.request.expires && Date.parse(echo.request.expires) > Date.now(), `expires header ${echo.request.expires}`);
  });

  test('priority: arrives as the message priority', { timeout: TEST_TIMEOUT_MS }, async () => {
    const echo = await echoed({ args: ['prio'], options: { priority: 7 } });
    assert.equal(echo.request.delivery_info.priority, 7);
  });

  test('priority: a celeriac worker started after the sends takes priority 0, then 5, then 9', { timeout: TEST_TIMEOUT_MS }, async () => {
    const queue = 'interop.prio';
    const file = path('prio.txt');
    const specs: PythonSendSpec[] = [];
    for (const priority of [9, 5, 0]) {
      for (let i = 0; i < 3; i++) specs.push({ name: 'tasks.record', args: [`p${priority}-${i}`], options: { queue, priority } });
    }
    const sent = await python.batch(specs);
    // Control: Python's own layout (0-2 in `queue`, 3-5 in `queue\x06\x163`, 9 in `queue\x06\x169`).
    const lengths = await listLengths(db, [queue, `${queue}\x06\x163`, `${queue}\x06\x166`, `${queue}\x06\x169`]);
    assert.deepEqual(lengths, [3, 3, 0, 3], await redisSnapshot(db, { match: `${queue}*` }));
    const prioWorker = await startCeleriacWorker({
      queues: [queue],
      concurrency: 1,
      prefetchMultiplier: 1,
      nodename: 'ts-prio@%h',
      env: { ...workerEnv, INTEROP_RECORD_FILE: file },
      logFile: path('celeriac-prio-worker.log'),
    });
    try {
      await Promise.all(sent.map((o) => getOrDiagnose(app.asyncResult(o.id), db)));
    } finally {
      assert.equal(await prioWorker.stop(), 0);
    }
    assert.deepEqual(
      readRecord(file).map((x) => x.token),
      ['p0-0', 'p0-1', 'p0-2', 'p5-0', 'p5-1', 'p5-2', 'p9-0', 'p9-1', 'p9-2'],
    );
  });

  test('queue: a task sent to another queue is consumed there', { timeout: TEST_TIMEOUT_MS }, async () => {
    const echo = await echoed({ via: 'apply_async', args: ['q'], options: { queue: HIPRI } });
    assert.equal(echo.request.delivery_info.routing_key, HIPRI);
  });

  test('exchange and routing key: resolved through the binding the celeriac worker declared', { timeout: TEST_TIMEOUT_MS }, async () => {
    const echo = await echoed({ args: ['rk'], options: { exchange: ROUTED, routing_key: ROUTED } });
    assert.equal(echo.request.delivery_info.exchange, ROUTED);
    assert.equal(echo.request.delivery_info.routing_key, ROUTED);
  });

  test('routing key alone: lands in the default queue, as in Celery', { timeout: TEST_TIMEOUT_MS }, async () => {
    const echo = await echoed({ args: ['rk-alone'], options: { routing_key: 'some.key' } });
    assert.equal(echo.args[0], 'rk-alone');
  });

  test('custom headers reach the celeriac request', { timeout: TEST_TIMEOUT_MS }, async () => {
    const headers = { x_trace: 'trace-1', 'x-tenant': 'tenant-ü', x_count: 42, x_obj: { list: [1, 'two', null] } };
    const echo = await echoed({ via: 'apply_async', args: ['h'], options: { headers } });
    for (const [k, v] of Object.entries(headers)) assert.deepEqual(echo.request[k], v, `header ${k}`);
    assert.equal(echo.request.root_id, echo.request.id, 'root_id defaults to the task id');
    assert.equal(echo.request.parent_id, null);
    assert.equal(echo.request.retries, 0);
  });

  test('unicode and nested arguments arrive unchanged (and come back unchanged)', { timeout: TEST_TIMEOUT_MS }, async () => {
    const args = ['héllo wörld', '日本語テキスト', 'emoji 🎉 and 𝄞 (astral)', { nested: [1, [2, [3, { deep: true, none: null, f: 1.5, neg: -7 }]]] }, []];
    const kwargs = { 'ключ': 'значение', emoji: '😀', list: [{ a: { b: { c: ['d'] } } }], empty: {} };
    const echo = await echoed({ args, kwargs });
    assert.deepEqual(echo.args, args);
    assert.deepEqual(echo.kwargs, kwargs);
  });

  test('msgpack, plain and zlib- or gzip-compressed: Python sends, celeriac runs and answers', { timeout: TEST_TIMEOUT_MS }, async () => {
    const args = ['héllo', 2 ** 40, -7, 1.5, null, true, { nested: ['x', [1, 2]] }];
    for (const compression of [undefined, 'zlib', 'gzip']) {
      const echo = await echoed({ via: 'apply_async', args, kwargs: { k: 'v' }, options: { serializer: 'msgpack', compression } });
      assert.deepEqual(echo.args, args, `compression ${compression}`);
      assert.deepEqual(echo.kwargs, { k: 'v' });
    }
  });

  test('a 1 MB argument arrives intact', { timeout: TEST_TIMEOUT_MS }, async () => {
    const text = megabyteText();
    const out = await send({ name: 'tasks.digest', args: [text] });
    assert.equal(out.state, 'SUCCESS', `${out.exc_type}: ${JSON.stringify(out.exc_message)}`);
    assert.deepEqual(out.result, { length: 1_000_000, sha256: createHash('sha256').update(text, 'utf8').digest('hex') });
  });

  test('a celeriac failure surfaces in Python as ValueError with its message and a traceback', { timeout: TEST_TIMEOUT_MS }, async () => {
    const out = await send({ name: 'tasks.fail', args: ['boom ü'] });
    assert.equal(out.state, 'FAILURE');
    assert.equal(out.exc_type, 'ValueError');
    assert.equal(out.exc_module, 'builtins');
    assert.deepEqual(out.exc_message, ['boom ü']);
    assert.match(out.traceback ?? '', /ValueError: boom ü/);
  });

  test('an unknown task name: stored as a NotRegistered failure, as Celery does', { timeout: TEST_TIMEOUT_MS }, async () => {
    const out = await send({ name: 'tasks.nobody_knows_me', args: [1] });
    assert.equal(out.state, 'FAILURE');
    assert.equal(out.exc_type, 'NotRegistered');
    assert.deepEqual(out.exc_message, ['tasks.nobody_knows_me']);
  });

  test('a task that retries once (countdown 1) ends SUCCESS with retries = 1', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const out = await send({ name: 'tasks.retry_once', args: ['again'] });
    if (out.exc_type === 'RetryUnavailable') {
      t.skip('celeriac tasks have no ctx.retry yet (issue 4)');
      return;
    }
    assert.equal(out.state, 'SUCCESS', `${out.exc_type}: ${JSON.stringify(out.exc_message)}\n${out.traceback ?? ''}`);
    assert.deepEqual(out.result, { value: 'again', retries: 1, worker: 'celeriac' });
  });
});
