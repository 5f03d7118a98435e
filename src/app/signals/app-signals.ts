/**
 * The signals of one app (no global registry, unlike Celery's module-level signals), by
 * camelCase name — `app.signals.taskFailure.connect(handler)` — or by Celery's name —
 * `app.signals.get('task_failure')`. Each handler gets one typed payload object
 * (`signal-payloads.ts`); handler errors are logged on the app's logger.
 */
import type { Logger } from '../../internal/logger.js';
import { Signal } from './signal.js';
import type {
  AfterSetupLoggerPayload,
  AfterTaskPublishPayload,
  BeforeTaskPublishPayload,
  SetupLoggingPayload,
  TaskFailurePayload,
  TaskPostrunPayload,
  TaskPrerunPayload,
  TaskReceivedPayload,
  TaskRejectedPayload,
  TaskRetryPayload,
  TaskRevokedPayload,
  TaskSuccessPayload,
  TaskUnknownPayload,
  WorkerSignalPayload,
} from './signal-payloads.js';

/** Celery's signal names and the property each is on. */
export const CELERY_SIGNAL_NAMES = {
  before_task_publish: 'beforeTaskPublish',
  after_task_publish: 'afterTaskPublish',
  task_received: 'taskReceived',
  task_prerun: 'taskPrerun',
  task_postrun: 'taskPostrun',
  task_success: 'taskSuccess',
  task_failure: 'taskFailure',
  task_retry: 'taskRetry',
  task_revoked: 'taskRevoked',
  task_unknown: 'taskUnknown',
  task_rejected: 'taskRejected',
  worker_init: 'workerInit',
  worker_process_init: 'workerProcessInit',
  worker_ready: 'workerReady',
  worker_shutdown: 'workerShutdown',
  setup_logging: 'setupLogging',
  after_setup_logger: 'afterSetupLogger',
  after_setup_task_logger: 'afterSetupTaskLogger',
} as const;

/** A Celery signal name (`task_prerun`). */
export type CelerySignalName = keyof typeof CELERY_SIGNAL_NAMES;

export class AppSignals {
  /** Before a task message is published; may change its headers (Celery's `before_task_publish`). */
  readonly beforeTaskPublish: Signal<BeforeTaskPublishPayload>;
  /** After a task message is published (Celery's `after_task_publish`). */
  readonly afterTaskPublish: Signal<AfterTaskPublishPayload>;
  /** A worker received a task message (Celery's `task_received`). */
  readonly taskReceived: Signal<TaskReceivedPayload>;
  /** Before a task runs, before `trackStarted`'s STARTED (Celery's `task_prerun`). */
  readonly taskPrerun: Signal<TaskPrerunPayload>;
  /** After a run, whatever its state (Celery's `task_postrun`). */
  readonly taskPostrun: Signal<TaskPostrunPayload>;
  /** After SUCCESS is stored and `onSuccess` ran (Celery's `task_success`). */
  readonly taskSuccess: Signal<TaskSuccessPayload>;
  /** After FAILURE is stored and `onFailure` ran (Celery's `task_failure`). */
  readonly taskFailure: Signal<TaskFailurePayload>;
  /** After RETRY is stored, the retry sent and `onRetry` ran (Celery's `task_retry`). */
  readonly taskRetry: Signal<TaskRetryPayload>;
  /** A task was revoked or expired instead of running (Celery's `task_revoked`). */
  readonly taskRevoked: Signal<TaskRevokedPayload>;
  /** A message named an unregistered task (Celery's `task_unknown`). */
  readonly taskUnknown: Signal<TaskUnknownPayload>;
  /** A message could not be read as a task (Celery's `task_rejected`). */
  readonly taskRejected: Signal<TaskRejectedPayload>;
  /** A worker is starting, before it connects (Celery's `worker_init`). Awaited. */
  readonly workerInit: Signal<WorkerSignalPayload>;
  /** The pool of a worker is ready to run tasks; for the async pool, once in the worker's process (Celery's `worker_process_init`). Awaited. */
  readonly workerProcessInit: Signal<WorkerSignalPayload>;
  /** A worker consumes its queues (Celery's `worker_ready`). Awaited. */
  readonly workerReady: Signal<WorkerSignalPayload>;
  /** A worker stopped (Celery's `worker_shutdown`). Awaited, so sinks can flush. */
  readonly workerShutdown: Signal<WorkerSignalPayload>;
  /** `app.setupLogging()` is configuring logging; a handler here replaces celeriac's setup (Celery's `setup_logging`). */
  readonly setupLogging: Signal<SetupLoggingPayload>;
  /** `app.setupLogging()` configured the logger (Celery's `after_setup_logger`). */
  readonly afterSetupLogger: Signal<AfterSetupLoggerPayload>;
  /** `app.setupLogging()` configured the task logger (Celery's `after_setup_task_logger`). */
  readonly afterSetupTaskLogger: Signal<AfterSetupLoggerPayload>;

  /** @param log the logger handler errors are reported on (read at report time). */
  constructor(log: () => Logger) {
    const report = (err: unknown, name: string): void => log().error({ err }, `signal handler of ${name} raised: ${String(err)}`);
    this.beforeTaskPublish = new Signal('before_task_publish', report);
    this.afterTaskPublish = new Signal('after_task_publish', report);
    this.taskReceived = new Signal('task_received', report);
    this.taskPrerun = new Signal('task_prerun', report);
    this.taskPostrun = new Signal('task_postrun', report);
    this.taskSuccess = new Signal('task_success', report);
    this.taskFailure = new Signal('task_failure', report);
    this.taskRetry = new Signal('task_retry', report);
    this.taskRevoked = new Signal('task_revoked', report);
    this.taskUnknown = new Signal('task_unknown', report);
    this.taskRejected = new Signal('task_rejected', report);
    this.workerInit = new Signal('worker_init', report);
    this.workerProcessInit = new Signal('worker_process_init', report);
    this.workerReady = new Signal('worker_ready', report);
    this.workerShutdown = new Signal('worker_shutdown', report);
    this.setupLogging = new Signal('setup_logging', report);
    this.afterSetupLogger = new Signal('after_setup_logger', report);
    this.afterSetupTaskLogger = new Signal('after_setup_task_logger', report);
  }

  /**
   * A signal by Celery's name, for code ported from Python: `app.signals.get('task_failure')` is
   * `app.signals.taskFailure`.
   */
  get<N extends CelerySignalName>(name: N): AppSignals[(typeof CELERY_SIGNAL_NAMES)[N]] {
    return this[CELERY_SIGNAL_NAMES[name]];
  }
}
