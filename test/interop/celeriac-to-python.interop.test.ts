// celeriac → Python: celeriac sends over Redis, a real Python Celery 5.2 worker runs the tasks of
// test/interop/python/interop_tasks.py, celeriac reads the results from the Redis backend.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { Celery, TaskFailedError, TaskRevokedError } from 'celeriac';
import { megabyteText, type EchoResult } from './echo-result.js';
import { describeInterop } from './environment.js';
import { interopFile } from './interop-file.js';
import { pythonBatch, pythonGet } from './python-client.js';
import { startPythonWorker, type PythonWorker } from './python-worker.js';
import { readRecord } from './record-file.js';
import { flushDb, listLengths, listRange, redisSnapshot } from './redis-db.js';
import { getOrDiagnose, readyOrDiagnose } from './result-diagnosis.js';

const { env, db, url, recordFile, workerEnv, path, cleanUp } = await interopFile('celeriacToPython');
const HIPRI = 'interop.hipri';
const ROUTED = 'interop.routed';
const TEST_TIMEOUT_MS = 60_000;

describeInterop('celeriac → Python Celery worker over Redis', env, () => {
  let worker: PythonWorker | undefined;
  let app: Celery;

  before(async () => {
    await flushDb(db);
    app = new Celery('interop', { broker_url: url, result_backend: url });
    worker = await startPythonWorker({ queues: ['celery', HIPRI, ROUTED], env: workerEnv, logFile: path('python-worker.log') });
  });

  after(async () => {
    const code = await worker?.stop();
    await app?.close();
    cleanUp();
    assert.equal(code, 0, 'the Python worker shuts down warm with exit code 0');
  });

  const add = () => app.remoteTask<(x: number, y: number) => number>('tasks.add');
  const echo = () => app.remoteTask<(...args: unknown[]) => EchoResult>('tasks.echo');

  test('harness control: a Python client and the Python worker agree (Python → Python)', { timeout: TEST_TIMEOUT_MS }, async () => {
    const [out] = await pythonBatch([{ name: 'tasks.add', args: [2, 2], wait: true }], workerEnv);
    await readyOrDiagnose(out!, db);
    assert.equal(out!.state, 'SUCCESS');
    assert.equal(out!.result, 4);
  });

  test('delay on a remoteTask: Python runs tasks.add, celeriac reads 5', { timeout: TEST_TIMEOUT_MS }, async () => {
    const r = await add().delay(2, 3);
    assert.equal(await getOrDiagnose(r, db), 5);
    assert.equal(await r.state, 'SUCCESS');
  });

  test('sendTask by name: tasks.mul and tasks.xsum', { timeout: TEST_TIMEOUT_MS }, async () => {
    const [mul, xsum] = await Promise.all([
      app.sendTask<number>('tasks.mul', [3, 4]),
      app.sendTask<number>('tasks.xsum', [[1, 2, 3, 4.5]]),
    ]);
    assert.equal(await getOrDiagnose(mul, db), 12);
    assert.equal(await getOrDiagnose(xsum, db), 10.5);
  });

  test('applyAsync with kwargs: Python receives them as keyword arguments', { timeout: TEST_TIMEOUT_MS }, async () => {
    const r = await add().applyAsync([], { x: 40, y: 2 });
    assert.equal(await getOrDiagnose(r, db), 42);
  });

  test('countdown: the Python worker runs it no earlier than 1 s after the send', { timeout: TEST_TIMEOUT_MS }, async () => {
    const sentAt = Date.now();
    const r = await echo().applyAsync(['countdown'], {}, { countdown: 1 });
    const out = await getOrDiagnose(r, db);
    assert.ok(out.request.eta, 'the message carries an eta header');
    const etaMs = Date.parse(out.request.eta);
    assert.ok(etaMs >= sentAt + 1000 && etaMs <= Date.now(), `eta ${out.request.eta} is 1 s after the send (${new Date(sentAt).toISOString()})`);
    assert.ok(out.ran_at * 1000 >= etaMs, `ran at ${out.ran_at}, before its eta ${out.request.eta}`);
  });

  test('eta: the Python worker runs it at or after the given time', { timeout: TEST_TIMEOUT_MS }, async () => {
    const eta = new Date(Date.now() + 1500);
    const r = await echo().applyAsync(['eta'], {}, { eta });
    const out = await getOrDiagnose(r, db);
    assert.equal(Date.parse(out.request.eta ?? ''), eta.getTime(), `eta header ${out.request.eta} is ${eta.toISOString()}`);
    assert.ok(out.ran_at * 1000 >= eta.getTime(), `ran at ${out.ran_at}, before its eta ${eta.toISOString()}`);
  });

  test('expires in the past: REVOKED (expired) and never run', { timeout: TEST_TIMEOUT_MS }, async () => {
    const token = 'expired-past';
    const r = await app.sendTask('tasks.record', [token], {}, { expires: new Date(Date.now() - 60_000) });
    await assert.rejects(getOrDiagnose(r, db), (err) => err instanceof TaskRevokedError && err.reason === 'expired');
    assert.equal(await r.state, 'REVOKED');
    assert.equal(readRecord(recordFile).filter((x) => x.token === token).length, 0, 'an expired task must not run');
  });

  test('expires (seconds) before its countdown: REVOKED at execution, never run', { timeout: TEST_TIMEOUT_MS }, async () => {
    const token = 'expired-while-waiting';
    const r = await app.sendTask('tasks.record', [token], {}, { countdown: 2, expires: 1 });
    await assert.rejects(getOrDiagnose(r, db), (err) => err instanceof TaskRevokedError && err.reason === 'expired');
    assert.equal(readRecord(recordFile).filter((x) => x.token === token).length, 0, 'an expired task must not run');
  });

  test('expires in the future: runs normally and the worker sees the expires header', { timeout: TEST_TIMEOUT_MS }, async () => {
    const expires = new Date(Date.now() + 60_000);
    const out = await getOrDiagnose(await echo().applyAsync(['fresh'], {}, { expires }), db);
    assert.equal(Date.parse(out.request.expires ?? ''), expires.getTime());
  });

  test('priority: arrives as the message priority', { timeout: TEST_TIMEOUT_MS }, async () => {
    const out = await getOrDiagnose(await echo().applyAsync(['prio'], {}, { priority: 7 }), db);
    assert.equal(out.request.delivery_info.priority, 7);
  });

  test('priority: a Python worker started after the sends takes priority 0, then 5, then 9 (kombu list layout)', { timeout: TEST_TIMEOUT_MS }, async () => {
    const queue = 'interop.prio';
    const file = path('prio.txt');
    const record = app.remoteTask<(token: string) => string>('tasks.record');
    const results = [];
    for (const priority of [9, 5, 0]) {
      for (let i = 0; i < 3; i++) results.push(await record.applyAsync([`p${priority}-${i}`], {}, { queue, priority }));
    }
    // kombu's layout: priority 0-2 in `queue`, 3-5 in `queue\x06\x163`, 9 in `queue\x06\x169`.
    const lengths = await listLengths(db, [queue, `${queue}\x06\x163`, `${queue}\x06\x166`, `${queue}\x06\x169`]);
    assert.deepEqual(lengths, [3, 3, 0, 3], `priority lists of ${queue}:\n${await redisSnapshot(db, { match: `${queue}*` })}`);
    const prioWorker = await startPythonWorker({
      queues: [queue],
      concurrency: 1,
      prefetchMultiplier: 1,
      nodename: 'py-prio@%h',
      logFile: path('python-prio-worker.log'),
      env: { ...workerEnv, INTEROP_RECORD_FILE: file },
    });
    try {
      await Promise.all(results.map((r) => getOrDiagnose(r, db)));
    } finally {
      assert.equal(await prioWorker.stop(), 0);
    }
    assert.deepEqual(
      readRecord(file).map((x) => x.token),
      ['p0-0', 'p0-1', 'p0-2', 'p5-0', 'p5-1', 'p5-2', 'p9-0', 'p9-1', 'p9-2'],
    );
  });

  test('queue: a task sent to another queue is consumed there', { timeout: TEST_TIMEOUT_MS }, async () => {
    const out = await getOrDiagnose(await echo().applyAsync(['q'], {}, { queue: HIPRI }), db);
    assert.equal(out.request.delivery_info.routing_key, HIPRI);
  });

  test('exchange and routing key: resolved through the binding the Python worker declared', { timeout: TEST_TIMEOUT_MS }, async () => {
    const out = await getOrDiagnose(await echo().applyAsync(['rk'], {}, { exchange: ROUTED, routingKey: ROUTED }), db);
    assert.equal(out.request.delivery_info.exchange, ROUTED);
    assert.equal(out.request.delivery_info.routing_key, ROUTED);
  });

  test('routing key alone: lands in the default queue, as in Celery', { timeout: TEST_TIMEOUT_MS }, async () => {
    const out = await getOrDiagnose(await echo().applyAsync(['rk-alone'], {}, { routingKey: 'some.key' }), db);
    assert.equal(out.args[0], 'rk-alone');
  });

  test('custom headers reach the Python request', { timeout: TEST_TIMEOUT_MS }, async () => {
    const headers = { x_trace: 'trace-1', 'x-tenant': 'tenant-ü', x_count: 42, x_obj: { list: [1, 'two', null] } };
    const out = await getOrDiagnose(await echo().applyAsync(['h'], {}, { headers }), db);
    for (const [k, v] of Object.entries(headers)) assert.deepEqual(out.request[k], v, `header ${k}`);
    assert.equal(out.request.root_id, out.request.id, 'root_id defaults to the task id');
    assert.equal(out.request.parent_id, null);
    assert.equal(out.request.retries, 0);
  });

  test('unicode and nested arguments arrive unchanged (and come back unchanged)', { timeout: TEST_TIMEOUT_MS }, async () => {
    const args = ['héllo wörld', '日本語テキスト', 'emoji 🎉 and 𝄞 (astral)', { nested: [1, [2, [3, { deep: true, none: null, f: 1.5, neg: -7 }]]] }, []];
    const kwargs = { 'ключ': 'значение', emoji: '😀', list: [{ a: { b: { c: ['d'] } } }], empty: {} };
    const out = await getOrDiagnose(await echo().applyAsync(args, kwargs), db);
    assert.deepEqual(out.args, args);
    assert.deepEqual(out.kwargs, kwargs);
    assert.equal(typeof out.request.argsrepr, 'string');
  });

  test('envelope: celeriac writes the same keys, in the same order and types, as Python for the same call', { timeout: TEST_TIMEOUT_MS }, async () => {
    const queue = 'interop.inspect'; // no worker consumes it
    const headers = { x_custom: 1 };
    await app.sendTask('tasks.add', [2, 3], {}, { queue, countdown: 10, expires: 60, priority: 3, headers });
    await pythonBatch([{ name: 'tasks.add', args: [2, 3], options: { queue, countdown: 10, expires: 60, priority: 3, headers } }], workerEnv);
    const [fromPython, fromCeleriac] = (await listRange(db, `${queue}\x06\x163`)).map((raw) => JSON.parse(raw) as Record<string, unknown>);
    assert.ok(fromPython && fromCeleriac, `both messages in the priority-3 list:\n${await redisSnapshot(db, { match: `${queue}*` })}`);
    assert.deepEqual(shapeOf(fromCeleriac), shapeOf(fromPython));
    const body = (m: Record<string, unknown>): unknown => JSON.parse(Buffer.from(m.body as string, 'base64').toString('utf8'));
    assert.deepEqual(body(fromCeleriac), body(fromPython));
  });

  test('msgpack, plain and zlib-compressed: celeriac sends, Python runs and answers', { timeout: TEST_TIMEOUT_MS }, async () => {
    const args = ['héllo', 2 ** 40, -7, 1.5, null, true, { nested: ['x', [1, 2]] }];
    for (const compression of [undefined, 'zlib', 'gzip']) {
      const out = await getOrDiagnose(await echo().applyAsync(args, { k: 'v' }, { serializer: 'msgpack', compression }), db);
      assert.deepEqual(out.args, args, `compression ${compression}`);
      assert.deepEqual(out.kwargs, { k: 'v' });
    }
  });

  test('msgpack + zlib envelope: same content type, encoding, compression header and body bytes as Python', { timeout: TEST_TIMEOUT_MS }, async () => {
    const queue = 'interop.inspect.msgpack'; // no worker consumes it
    const args = ['héllo', 2 ** 20, -7, 1.5, null, [1, 2]];
    const options = { queue, serializer: 'msgpack', compression: 'zlib' };
    await pythonBatch([{ name: 'tasks.echo', args, kwargs: { k: 'v' }, options }], workerEnv);
    await app.sendTask('tasks.echo', args, { k: 'v' }, options);
    const [fromPython, fromCeleriac] = (await listRange(db, queue)).reverse().map((raw) => JSON.parse(raw) as Record<string, unknown>);
    assert.ok(fromPython && fromCeleriac, `both messages in ${queue}:\n${await redisSnapshot(db, { match: `${queue}*` })}`);
    assert.deepEqual(shapeOf(fromCeleriac), shapeOf(fromPython));
    for (const key of ['content-type', 'content-encoding']) assert.equal(fromCeleriac[key], fromPython[key], key);
    const headers = (m: Record<string, unknown>) => m.headers as Record<string, unknown>;
    assert.equal(headers(fromCeleriac).compression, 'application/x-gzip');
    assert.equal(headers(fromPython).compression, 'application/x-gzip');
    // Same msgpack bytes once inflated (the zlib streams themselves may differ in level).
    const inflated = (m: Record<string, unknown>): string => inflateSync(Buffer.from(m.body as string, 'base64')).toString('hex');
    assert.equal(inflated(fromCeleriac), inflated(fromPython));
  });

  test('a 1 MB argument arrives intact', { timeout: TEST_TIMEOUT_MS }, async () => {
    const text = megabyteText();
    const r = await app.sendTask<{ length: number; sha256: string }>('tasks.digest', [text]);
    assert.deepEqual(await getOrDiagnose(r, db), {
      length: 1_000_000,
      sha256: createHash('sha256').update(text, 'utf8').digest('hex'),
    });
  });

  test('a Python exception surfaces as TaskFailedError with exc_type, message and traceback', { timeout: TEST_TIMEOUT_MS }, async () => {
    const r = await app.sendTask('tasks.fail', ['boom ü']);
    await assert.rejects(getOrDiagnose(r, db), (err) => {
      assert.ok(err instanceof TaskFailedError, `expected TaskFailedError, got ${String(err)}`);
      assert.equal(err.excType, 'ValueError');
      assert.deepEqual(err.excMessage, ['boom ü']);
      assert.equal(err.excModule, 'builtins');
      assert.match(err.remoteTraceback ?? '', /Traceback \(most recent call last\)[\s\S]*ValueError: boom ü/);
      return true;
    });
    assert.equal(await r.state, 'FAILURE');
  });

  test('a task that retries once (self.retry(countdown=1)) ends SUCCESS with retries = 1', { timeout: TEST_TIMEOUT_MS }, async () => {
    const r = await app.sendTask('tasks.retry_once', ['again']);
    assert.deepEqual(await getOrDiagnose(r, db), { value: 'again', retries: 1, worker: 'python' });
  });

  test('Python reads the result of a task celeriac sent', { timeout: TEST_TIMEOUT_MS }, async () => {
    const r = await add().delay(20, 22);
    await getOrDiagnose(r, db);
    const out = await readyOrDiagnose(await pythonGet(r.id, workerEnv, 10), db);
    assert.equal(out.state, 'SUCCESS');
    assert.equal(out.result, 42);
  });
});

/** Keys in order with the JSON type of each value, recursively: what a reader of the envelope relies on. */
function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.map(shapeOf);
  if (typeof value === 'object') return Object.entries(value).map(([k, v]) => [k, shapeOf(v)]);
  return typeof value;
}
