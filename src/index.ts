/**
 * celeriac — Celery, the distributed task queue, for TypeScript. Public API.
 */
export { Celery, DEFAULT_BROKER_URL, type CeleryOptions } from './app/celery.js';
export { AsyncResult, type GetOptions } from './app/async-result.js';
export type { ApplyOptions } from './app/apply-options.js';
export type { Task, RemoteTask, TaskOptions, TaskContext, TaskRequest, TaskSender } from './app/task-types.js';
export type { TaskRoute, TaskRouter } from './app/router.js';
export { Config, type SettingsInput, type CeleriacConfig } from './app/config/config.js';
export { Worker, type WorkerOptions, type WorkerStats } from './worker/worker.js';
export type { Transport, Delivery, DeadLetter } from './transports/transport.js';
export type { ResultBackend } from './backends/backend.js';
export type { TaskState } from './protocol/task-state.js';
export * from './errors.js';
