/**
 * Testing tasks without a broker and without sleeping: `TestWorker.start(app)` points the app at
 * the in-process memory broker and result store, gives it a virtual clock, and runs a worker in
 * the test's process. Countdowns, ETAs, retries and rate limits then wait for `advance(ms)`, not
 * for real time.
 *
 * @example
 * ```ts
 * const tw = await TestWorker.start(app);
 * const r = await fetchPage.delay('https://example.com'); // retries with countdown 60 on failure
 * await tw.advance(60_000);                                // the retry runs now
 * assert.equal(await tw.result(r), 'ok');
 * await tw.stop();
 * ```
 */
import type { AsyncResult } from '../app/async-result.js';
import type { Celery } from '../app/celery.js';
import { CeleriacError } from '../errors.js';
import { silentLogger, type Logger } from '../internal/logger.js';
import { READY_STATES } from '../protocol/task-state.js';
import { Worker, type WorkerOptions } from '../worker/worker.js';
import { FakeClock } from './fake-clock.js';

export interface TestWorkerOptions {
  /** The virtual clock; default a new {@link FakeClock} at 2026-01-01T00:00:00Z. */
  clock?: FakeClock;
  /** Keep the app's own broker and backend instead of `memory://` (e.g. to test on sqlite). */
  keepBroker?: boolean;
  /** Worker options (queues, concurrency...); default concurrency 1. */
  worker?: WorkerOptions;
  /** The worker's logger; default silent. */
  logger?: Logger;
}

export class TestWorker {
  private constructor(
    readonly app: Celery,
    readonly worker: Worker,
    readonly clock: FakeClock,
  ) {}

  /**
   * Configure `app` for tests and start a worker on it. Call before the app sends anything.
   * @throws CeleriacError('USAGE') when the app is already connected to its broker.
   */
  static async start(app: Celery, options: TestWorkerOptions = {}): Promise<TestWorker> {
    if (app.connected) throw new CeleriacError('USAGE', 'TestWorker.start(app) must come before the app sends or reads anything');
    const clock = options.clock ?? new FakeClock();
    app.clock = clock;
    if (!options.keepBroker) app.conf.update({ broker_url: 'memory://', result_backend: 'memory://' });
    const worker = new Worker(app, { concurrency: 1, logger: options.logger ?? silentLogger(), ...options.worker });
    await worker.start();
    return new TestWorker(app, worker, clock);
  }

  /**
   * Move virtual time forward by `ms`, firing due ETAs, retries and rate-limit tokens, then let
   * the tasks that became due start.
   */
  async advance(ms: number): Promise<void> {
    await this.settle();
    this.clock.advance(ms);
    await this.settle();
  }

  /**
   * Wait until the worker is idle: no message ready in its queues, nothing running or about to
   * start (tasks held for an ETA or a rate-limit token wait for {@link advance}).
   * @throws CeleriacError('USAGE') when it is still busy after 10 s of real time (a task that
   *   never finishes).
   */
  async settle(): Promise<void> {
    const transport = await this.app.transport();
    const deadline = Date.now() + 10_000;
    let quietTurns = 0;
    while (quietTurns < 3) {
      await new Promise((resolve) => setImmediate(resolve));
      let ready = 0;
      for (const queue of this.worker.queues) ready += await transport.size(queue);
      quietTurns = ready === 0 && !this.worker.busy ? quietTurns + 1 : 0;
      if (Date.now() > deadline) throw new CeleriacError('USAGE', 'TestWorker.settle: the worker is still busy after 10 s of real time (a task that never finishes?)');
    }
  }

  /**
   * Wait until the task of `result` is finished here (SUCCESS, FAILURE or REVOKED) and return
   * its value. Waits on the worker, not on time: a task waiting for a countdown never finishes
   * until the test calls {@link advance}.
   * @throws TaskFailedError / TaskRevokedError as `AsyncResult.get` does (unless `propagate: false`).
   */
  async result<R>(result: AsyncResult<R>, options: { propagate?: boolean } = {}): Promise<R> {
    await new Promise<void>((resolve, reject) => {
      const onDone = (taskId: string): void => {
        if (taskId === result.id) finish();
      };
      const finish = (): void => {
        this.worker.off('task-done', onDone);
        resolve();
      };
      this.worker.on('task-done', onDone);
      result.state.then((state) => {
        if (READY_STATES.has(state)) finish();
      }, reject);
    });
    return result.get({ propagate: options.propagate ?? true });
  }

  /** Stop the worker and close the app's connections. */
  async stop(): Promise<void> {
    await this.worker.stop();
    await this.app.close();
  }
}
