// Revoke across languages over Redis: Python's `app.control.revoke(id)` (a broadcast on
// `/<db>.celery.pidbox`) is honoured by a `celeriac worker`, which also keeps it in the broker so
// that after a restart it still skips the task (Celery loses revocations on restart, celery#818);
// celeriac's `app.control.revoke` is honoured by a Python worker. Python reads the REVOKED
// results a celeriac worker stores and the other way round.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { Celery, TaskRevokedError } from 'celeriac';
import { startCeleriacWorker, type CeleriacWorker } from './celeriac-worker.js';
import { describeInterop } from './environment.js';
import { interopFile } from './interop-file.js';
import { PythonClient, pythonGet, pythonRevoke } from './python-client.js';
import { startPythonWorker } from './python-worker.js';
import { flushDb } from './redis-db.js';
import { readyOrDiagnose } from './result-diagnosis.js';

const { env, db, url, workerEnv, path, cleanUp } = await interopFile('revoke');
const TEST_TIMEOUT_MS = 90_000;

describeInterop('revoke between Python Celery and celeriac over Redis', env, () => {
  const python = new PythonClient(workerEnv);
  let redis: Redis;

  /** Resolves once a celeriac worker has kept `id` in `celeriac.revoked` (it handled the broadcast). */
  async function keptInBroker(id: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while ((await redis.zscore('celeriac.revoked', id)) === null) {
      if (Date.now() > deadline) assert.fail(`no celeriac worker kept the revocation of ${id}`);
      await delay(50); // polling a condition the worker sets; there is no event to await across processes
    }
  }

  before(async () => {
    await flushDb(db);
    redis = new Redis(url);
  });
  after(() => {
    redis?.disconnect();
    cleanUp();
  });

  // In turn, not concurrently: each worker would also take (and answer for) the other test's tasks.
  describe('one worker at a time', { concurrency: 1 }, () => {
    test('Python revoke → celeriac worker: skipped, REVOKED (revoked) read by Python; still skipped after a restart', { timeout: TEST_TIMEOUT_MS }, async () => {
      let worker: CeleriacWorker | undefined = await startCeleriacWorker({ queues: ['celery'], env: workerEnv, nodename: 'ts1@%h' });
      try {
        const id = randomUUID();
        const later = randomUUID();
        // Asking for replies, Python gets Celery's reply from the celeriac node.
        const replies = (await pythonRevoke(id, workerEnv, { reply: true })) as Record<string, unknown>[];
        assert.equal(replies.length, 1);
        assert.deepEqual(Object.values(replies[0]!), [{ ok: `tasks ${id} flagged as revoked` }]);
        assert.match(Object.keys(replies[0]!)[0]!, /^ts1@/);
        await pythonRevoke(later, workerEnv);
        await keptInBroker(id);
        await keptInBroker(later);
        const out = await readyOrDiagnose(await python.send({ name: 'tasks.add', args: [1, 2], options: { task_id: id }, wait: true, timeout: 20 }), db);
        assert.equal(out.state, 'REVOKED');
        assert.equal(out.exc_type, 'TaskRevokedError');
        assert.deepEqual(out.exc_message, ['revoked']);

        // A restarted worker (a new process, nothing in memory) still skips `later`.
        assert.equal(await worker.stop(), 0);
        worker = undefined;
        await python.send({ name: 'tasks.add', args: [3, 4], options: { task_id: later } });
        worker = await startCeleriacWorker({ queues: ['celery'], env: workerEnv, nodename: 'ts2@%h' });
        const again = await readyOrDiagnose(await python.send({ name: 'tasks.add', args: [5, 6], wait: true, timeout: 20 }), db);
        assert.equal(again.result, 11, 'other tasks run');
        const skipped = await readyOrDiagnose(await pythonGet(later, workerEnv, 20), db);
        assert.equal(skipped.state, 'REVOKED');
        assert.deepEqual(skipped.exc_message, ['revoked']);
      } finally {
        if (worker !== undefined) assert.equal(await worker.stop(), 0);
      }
    });

    test('Python revoke(terminate=True) → a running celeriac task ends REVOKED (terminated), as Python reads it', { timeout: TEST_TIMEOUT_MS }, async () => {
      const logFile = path('celeriac-terminate.log');
      const worker = await startCeleriacWorker({ queues: ['celery'], env: workerEnv, nodename: 'ts3@%h', logFile });
      try {
        const id = randomUUID();
        await python.send({ name: 'tasks.polite_sleep', args: [60], options: { task_id: id } });
        // Started once the worker logged it (an idle worker with free slots runs it at once).
        const deadline = Date.now() + 20_000;
        while (!readFileSync(logFile, 'utf8').includes(`[${id}] received`)) {
          if (Date.now() > deadline) assert.fail(`the celeriac worker never received ${id}`);
          await delay(50); // polling the worker's log: no event crosses the process boundary
        }
        const replies = (await pythonRevoke(id, workerEnv, { terminate: true, reply: true })) as Record<string, unknown>[];
        assert.deepEqual(Object.values(replies[0]!), [{ ok: `terminate: ${id}` }]);
        const out = await readyOrDiagnose(await pythonGet(id, workerEnv, 20), db);
        assert.equal(out.state, 'REVOKED');
        assert.equal(out.exc_type, 'TaskRevokedError');
        assert.deepEqual(out.exc_message, ['terminated']);
      } finally {
        assert.equal(await worker.stop(), 0);
      }
    });

    test('celeriac revoke → Python worker: skipped, REVOKED (revoked) read by celeriac', { timeout: TEST_TIMEOUT_MS }, async () => {
      const worker = await startPythonWorker({ queues: ['celery'], env: workerEnv, logFile: path('python-worker.log') });
      const app = new Celery('interop', { broker_url: url, result_backend: url });
      try {
        const id = randomUUID();
        // Celery's worker subscribes to the pidbox channel lazily, after it logs `ready.`: a
        // broadcast sent before that is lost (PUB/SUB), so send again until the worker logs it.
        for (let attempt = 1; ; attempt++) {
          await app.control.revoke(id);
          try {
            await worker.waitForLine(new RegExp(`Tasks flagged as revoked: ${id}`), 2_000);
            break;
          } catch (err) {
            if (attempt === 10) throw err;
          }
        }
        const r = await app.sendTask('tasks.add', [1, 2], {}, { taskId: id });
        const error = await r.get({ timeout: 20_000 }).then(
          () => assert.fail('expected TaskRevokedError'),
          (err: unknown) => err,
        );
        assert.ok(error instanceof TaskRevokedError, String(error));
        assert.equal(error.reason, 'revoked');
      } finally {
        await app.close();
        assert.equal(await worker.stop(), 0);
      }
    });
  });
});
