/** Test helpers for celeriac users: a virtual clock (more arrive with the task-semantics issue). */
export { FakeClock } from './fake-clock.js';
