// ETA tasks held by a worker do not take its prefetch slots (Celery widens its QoS window by one
// per held ETA task), on memory, sqlite and Redis: a `-c 1` worker (prefetch 4) holding four
// tasks due in ten minutes still runs a task sent after them at once, and the four run at their ETA,
// once each. Time is virtual (FakeClock), so the wait costs nothing; moving it also fires
// result-wait timeouts, so the test waits for the worker's `task-done` events instead.
// On sqlite the visibility timeout is a quarter of the wait, so the held tasks run once only
// because the live worker renews its leases (the clock fires its renewal ticks in order).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Celery, Worker, type TaskState } from 'celeriac';
import { FakeClock } from 'celeriac/testing';
import { silentLogger } from '../../src/internal/logger.js';
import { appBrokers } from '../support/app-brokers.js';

const dir = mkdtempSync(join(tmpdir(), 'celeriac-eta-prefetch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const brokers = await appBrokers(dir);
/** Far off, yet within the default visibility timeouts (1 hour) of memory and Redis. */
const LATER_MS = 600_000;
/** Per broker: settings added to make holding until the ETA outlast the visibility timeout. */
const SHORT_LEASES: Record<string, Record<string, unknown>> = {
  sqlite: { broker_transport_options: { visibility_timeout: LATER_MS / 4 / 1000 } },
};

/** Resolves once the worker finished each of `ids`, with their states in that order. */
function doneStates(worker: Worker, ids: readonly string[]): Promise<TaskState[]> {
  const states = new Map<string, TaskState>();
  return new Promise((resolve) => {
    const on = (taskId: string, state: TaskState): void => {
      if (!ids.includes(taskId)) return;
      states.set(taskId, state);
      if (states.size < ids.length) return;
      worker.off('task-done', on);
      resolve(ids.map((id) => states.get(id)!));
    };
    worker.on('task-done', on);
  });
}

for (const [name, makeBroker] of brokers) {
  describe(`ETA tasks outside prefetch: ${name}`, { timeout: 30_000 }, () => {
    test('a -c 1 worker holding prefetch-many ETA tasks runs a task sent after them at once; they run at their ETA once each', async () => {
      const broker = makeBroker();
      const clock = new FakeClock();
      const app = new Celery('eta-prefetch', { ...broker.settings, ...SHORT_LEASES[name] }, { logger: silentLogger(), clock });
      const runs: Array<[string, number]> = [];
      app.task('tasks.note', (label: string) => {
        runs.push([label, clock.now()]);
        return label;
      });
      const worker = new Worker(app, { concurrency: 1, prefetchMultiplier: 4, hostname: 'eta@test', logger: silentLogger() });
      try {
        await worker.start();
        assert.equal(worker.prefetchCount, 4);
        const etaMs = clock.now() + LATER_MS;
        const received = new Set<string>();
        const allHeld = new Promise<void>((resolve) => {
          app.signals.taskReceived.connect(({ request }) => {
            received.add(request.id);
            if (received.size === 4) resolve();
          });
        });
        const later = await Promise.all([0, 1, 2, 3].map((i) => app.sendTask('tasks.note', [`eta${i}`], {}, { eta: new Date(etaMs) })));
        await allHeld;

        const plain = await app.sendTask('tasks.note', ['plain']);
        assert.deepEqual(await doneStates(worker, [plain.id]), ['SUCCESS']);
        assert.deepEqual(runs, [['plain', etaMs - LATER_MS]], 'the plain task ran before any ETA passed');

        const laterDone = doneStates(worker, later.map((r) => r.id));
        clock.advance(LATER_MS);
        assert.deepEqual(await laterDone, ['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS']);
        assert.deepEqual(
          runs.slice(1).sort(),
          [0, 1, 2, 3].map((i) => [`eta${i}`, etaMs]),
          'each ETA task ran once, at its ETA',
        );
        assert.deepEqual(await Promise.all(later.map((r) => r.get())), ['eta0', 'eta1', 'eta2', 'eta3']);
      } finally {
        await worker.stop();
        await app.close();
        await broker.cleanup?.();
      }
    });
  });
}
