// Revoke end to end on memory, sqlite and Redis: a task revoked before it arrives is skipped
// and stored REVOKED; revocations are kept in the broker, so a worker started after the revoke
// (a restart) still skips the task; `terminate` ends a running task; without it, a running task
// finishes.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Celery, TaskRevokedError, Worker, type TaskContext } from 'celeriac';
import { silentLogger } from '../../src/internal/logger.js';
import { appBrokers, type AppBroker } from '../support/app-brokers.js';

const dir = mkdtempSync(join(tmpdir(), 'celeriac-revoke-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Broker = AppBroker;
const brokers = await appBrokers(dir);

function makeApp(broker: Broker): { app: Celery; ran: string[] } {
  const app = new Celery('revoke', broker.settings, { logger: silentLogger() });
  const ran: string[] = [];
  app.task('tasks.add', (x: number, y: number) => {
    ran.push('add');
    return x + y;
  });
  return { app, ran };
}

/** Resolves with the state the worker finished `id` in. */
function doneState(worker: Worker, id: string): Promise<string> {
  return new Promise((resolve) => {
    const on = (taskId: string, state: string) => {
      if (taskId !== id) return;
      worker.off('task-done', on);
      resolve(state);
    };
    worker.on('task-done', on);
  });
}

async function revokedReason(app: Celery, id: string): Promise<string> {
  const error = await app.asyncResult(id).get({ timeout: 10_000 }).then(
    () => assert.fail('expected a revoked task'),
    (err: unknown) => err,
  );
  assert.ok(error instanceof TaskRevokedError, String(error));
  return error.reason;
}

for (const [name, makeBroker] of brokers) {
  describe(`revoke: ${name}`, () => {
    test('a task revoked before it is sent is skipped and stored REVOKED; taskRevoked says so', { timeout: 30_000 }, async () => {
      const broker = makeBroker();
      const { app, ran } = makeApp(broker);
      const revokedSignals: unknown[] = [];
      app.signals.taskRevoked.connect(({ request, terminated, expired }) => void revokedSignals.push([request.id, terminated, expired]));
      const worker = new Worker(app, { concurrency: 1, hostname: 'w1@test' });
      try {
        await worker.start();
        const id = randomUUID();
        const handled = once(worker, 'revoke');
        await app.control.revoke(id);
        assert.deepEqual((await handled)[0], [id]);
        const done = doneState(worker, id);
        await app.sendTask('tasks.add', [1, 2], {}, { taskId: id });
        assert.equal(await done, 'REVOKED');
        assert.equal(await revokedReason(app, id), 'revoked');
        assert.deepEqual(ran, []);
        assert.deepEqual(revokedSignals, [[id, false, false]]);
        // Other tasks still run.
        assert.equal(await (await app.sendTask('tasks.add', [2, 2])).get({ timeout: 10_000 }), 4);
      } finally {
        await worker.stop();
        await app.close();
        await broker.cleanup?.();
      }
    });

    test('revocations are kept in the broker: a worker started after the revoke skips the task', { timeout: 30_000 }, async () => {
      const broker = makeBroker();
      const clientSide = makeApp(broker);
      const client = clientSide.app;
      // A second process's app where the broker is shared; the memory broker lives in one app.
      const { app: workerApp, ran } = broker.shared ? makeApp(broker) : clientSide;
      const id = randomUUID();
      await client.control.revoke([id, randomUUID()]); // no worker listens: only the broker keeps it
      await client.sendTask('tasks.add', [1, 2], {}, { taskId: id });
      const worker = new Worker(workerApp, { concurrency: 1, hostname: 'w2@test' });
      try {
        const done = doneState(worker, id);
        await worker.start();
        assert.equal(await done, 'REVOKED');
        assert.equal(await revokedReason(client, id), 'revoked');
        assert.deepEqual(ran, []);
      } finally {
        await worker.stop();
        await client.close();
        await workerApp.close();
        await broker.cleanup?.();
      }
    });

    test('terminate ends a running task (REVOKED, terminated); without terminate a running task finishes', { timeout: 30_000 }, async () => {
      const broker = makeBroker();
      const { app } = makeApp(broker);
      const started = new Map<string, () => void>();
      const abortReasons: unknown[] = [];
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      app.task({ name: 'tasks.wait', bind: true }, async (ctx: TaskContext, mode: string) => {
        ctx.signal.addEventListener('abort', () => void abortReasons.push(ctx.signal.reason));
        started.get(ctx.request.id)?.();
        if (mode === 'forever') await new Promise(() => {});
        await released;
        return 'finished';
      });
      const whenStarted = (id: string) => new Promise<void>((resolve) => started.set(id, resolve));
      const worker = new Worker(app, { concurrency: 2, hostname: 'w3@test' });
      try {
        await worker.start();
        const foreverId = randomUUID();
        const foreverStarted = whenStarted(foreverId);
        const forever = await app.sendTask('tasks.wait', ['forever'], {}, { taskId: foreverId });
        await foreverStarted;
        const done = doneState(worker, forever.id);
        const handled = once(worker, 'revoke');
        await forever.revoke({ terminate: true, signal: 'SIGKILL' });
        assert.deepEqual(await handled, [[forever.id], [forever.id]]);
        assert.equal(await done, 'REVOKED');
        assert.equal(await revokedReason(app, forever.id), 'terminated');
        assert.ok(abortReasons[0] instanceof TaskRevokedError);

        const finishingId = randomUUID();
        const finishingStarted = whenStarted(finishingId);
        const finishing = await app.sendTask('tasks.wait', ['finish'], {}, { taskId: finishingId });
        await finishingStarted;
        const handledToo = once(worker, 'revoke');
        await finishing.revoke();
        assert.deepEqual(await handledToo, [[finishing.id], []]);
        release();
        assert.equal(await finishing.get({ timeout: 10_000 }), 'finished');
      } finally {
        release();
        await worker.stop();
        await app.close();
        await broker.cleanup?.();
      }
    });
  });
}
