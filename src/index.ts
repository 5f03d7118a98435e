/**
 * celeriac — Celery, the distributed task queue, for TypeScript. Public API.
 */
import './internal/dist-guard.js';
export { Celery, DEFAULT_BROKER_URL, type CeleryOptions } from './app/celery.js';
export { AsyncResult, type GetOptions, type ResultTuple } from './app/async-result.js';
export { GroupResult, type GroupMember } from './app/group-result.js';
export { chain, group, chord, type ResultOf, type HandleOf } from './canvas/compose.js';
export {
  Signature,
  Chain,
  Group,
  Chord,
  Chunks,
  type AnySignature,
  type SignatureOptions,
  type SignatureInit,
} from './canvas/signature.js';
export { signatureFromDict } from './canvas/signature-codec.js';
export type { CallingOptions } from './canvas/calling-options.js';
export type { SignatureDict } from './protocol/signature-dict.js';
export type { ApplyOptions } from './app/apply-options.js';
export type {
  Task,
  RemoteTask,
  TaskOptions,
  TaskContext,
  TaskRequest,
  TaskSender,
  TaskBase,
  TaskHooks,
  TaskHookName,
  RetryOptions,
  ExceptionInfo,
  ErrorClass,
  TaskSignatures,
  ArgsSuffix,
} from './app/task-types.js';
export { Retry, Reject, Ignore, MaxRetriesExceededError, type RetryInit, type RetryPlan } from './app/task-control.js';
export { defineTaskBase } from './app/task-base.js';
export type { LoggingSetupOptions } from './app/logging-setup.js';
export { AppSignals, CELERY_SIGNAL_NAMES, type CelerySignalName } from './app/signals/app-signals.js';
export { Signal, type SignalHandler, type ConnectOptions } from './app/signals/signal.js';
export type * from './app/signals/signal-payloads.js';
export type { LogSink, LogRecord, LogLevel, Logger } from './internal/logger.js';
export type { TaskRoute, TaskRouter } from './app/router.js';
export { Config, type SettingsInput, type CeleriacConfig } from './app/config/config.js';
export { Worker, type WorkerOptions, type WorkerStats } from './worker/worker.js';
export type { Transport, Delivery, DeadLetter } from './transports/transport.js';
export type { ResultBackend } from './backends/backend.js';
export type { TaskState } from './protocol/task-state.js';
export * from './errors.js';
