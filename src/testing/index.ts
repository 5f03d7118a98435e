/** Test helpers for celeriac users: a virtual clock and an in-process worker on the memory broker. */
import '../internal/dist-guard.js';
export { FakeClock } from './fake-clock.js';
export { TestWorker, type TestWorkerOptions } from './test-worker.js';
