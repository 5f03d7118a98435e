/**
 * What each signal's handlers receive: Celery's signal arguments (celery/signals.py, and where
 * Celery sends them: celery/app/amqp.py, celery/app/trace.py, celery/worker/) in camelCase, as
 * one object. `sender` is what `connect(handler, { sender })` filters on.
 */
import type { LogSink, Logger } from '../../internal/logger.js';
import type { TaskEmbed } from '../../protocol/task-message.js';
import type { TaskState } from '../../protocol/task-state.js';
import type { TransportMessage } from '../../protocol/transport-message.js';
import type { Retry } from '../task-control.js';
import type { ExceptionInfo, TaskContext, TaskRequest } from '../task-types.js';

/** The body of a protocol v2 task message: `[args, kwargs, embed]` (Celery's `body`). */
export type TaskMessageBody = [args: unknown[], kwargs: Record<string, unknown>, embed: TaskEmbed];

/** `before_task_publish`: a task message is about to be published (from any process that sends tasks). */
export interface BeforeTaskPublishPayload {
  /** The task name. */
  readonly sender: string;
  readonly body: TaskMessageBody;
  readonly exchange: string;
  readonly routingKey: string;
  /** The message headers, **mutable**: changes here are published (Celery allows this too). */
  readonly headers: Record<string, unknown>;
  /** The message properties, mutable like `headers`. */
  readonly properties: Record<string, unknown>;
  /** The publish retry policy in force (ms), or null when publishing does not retry. */
  readonly retryPolicy: { maxRetries: number | null; intervalStartMs: number; intervalStepMs: number; intervalMaxMs: number } | null;
}

/** `after_task_publish`: the transport has the message. */
export interface AfterTaskPublishPayload {
  /** The task name. */
  readonly sender: string;
  readonly body: TaskMessageBody;
  readonly exchange: string;
  readonly routingKey: string;
  readonly headers: Record<string, unknown>;
}

/** What worker signals tell about the worker. */
export interface WorkerInfo {
  /** Node name (`celery@host`). */
  readonly hostname: string;
  readonly queues: readonly string[];
  readonly concurrency: number;
}

/** `task_received`: a worker received a task message (before any ETA wait). */
export interface TaskReceivedPayload {
  /** The worker's node name. */
  readonly sender: string;
  readonly request: TaskRequest;
}

/** `task_prerun`: a task is about to run. */
export interface TaskPrerunPayload {
  /** The task name. */
  readonly sender: string;
  readonly taskId: string;
  /** The run's context (Celery's task object: `task.name`, `task.request`, `task.app`). */
  readonly task: TaskContext;
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
}

/** `task_postrun`: a run ended, whatever its state. */
export interface TaskPostrunPayload {
  /** The task name. */
  readonly sender: string;
  readonly taskId: string;
  readonly task: TaskContext;
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
  /** The return value, or what was thrown (the error, the Retry, the Reject...). */
  readonly retval: unknown;
  /** SUCCESS, FAILURE, RETRY, REJECTED or IGNORED. */
  readonly state: TaskState;
}

/** `task_success`: SUCCESS was stored. */
export interface TaskSuccessPayload {
  /** The task name. */
  readonly sender: string;
  readonly taskId: string;
  readonly task: TaskContext;
  /** What the task returned. */
  readonly result: unknown;
}

/** `task_failure`: FAILURE was stored. */
export interface TaskFailurePayload {
  /** The task name. */
  readonly sender: string;
  readonly taskId: string;
  readonly task: TaskContext;
  /** What the task threw. */
  readonly exception: unknown;
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
  /** The stored traceback text. */
  readonly traceback: string;
  readonly einfo: ExceptionInfo;
}

/** `task_retry`: RETRY was stored and the retry republished. */
export interface TaskRetryPayload {
  /** The task name. */
  readonly sender: string;
  readonly task: TaskContext;
  readonly request: TaskRequest;
  /** The Retry: `reason.exc`, `reason.countdown` (seconds), `reason.eta`. */
  readonly reason: Retry;
  readonly einfo: ExceptionInfo;
}

/** `task_revoked`: a task was not run (revoked or expired) or was terminated. */
export interface TaskRevokedPayload {
  /** The task name. */
  readonly sender: string;
  readonly request: TaskRequest;
  readonly terminated: boolean;
  /** The signal a terminated task was killed with, or null. */
  readonly signum: string | null;
  readonly expired: boolean;
}

/** `task_unknown`: a message named a task this worker does not have. */
export interface TaskUnknownPayload {
  /** The worker's node name. */
  readonly sender: string;
  readonly message: TransportMessage;
  readonly exc: Error;
  /** The unknown task name. */
  readonly name: string;
  readonly id: string;
}

/** `task_rejected`: a message on a task queue could not be read as a task (and was dead-lettered). */
export interface TaskRejectedPayload {
  /** The worker's node name. */
  readonly sender: string;
  readonly message: TransportMessage;
  /** Why, or null. */
  readonly exc: unknown;
}

/** `worker_init`, `worker_process_init`, `worker_ready`, `worker_shutdown`. */
export interface WorkerSignalPayload {
  /** The worker's node name. */
  readonly sender: string;
  readonly worker: WorkerInfo;
}

/** `setup_logging`: connect a handler to configure logging yourself (celeriac then does not). */
export interface SetupLoggingPayload {
  readonly sender: null;
  readonly loglevel: string;
  readonly logfile: string | null;
  readonly format: 'celery' | 'json' | null;
  readonly colorize: boolean | null;
}

/** `after_setup_logger` / `after_setup_task_logger`: logging is configured. */
export interface AfterSetupLoggerPayload {
  readonly sender: null;
  /** The logger (for the task logger: the one task lines derive from). */
  readonly logger: Logger;
  readonly loglevel: string;
  readonly logfile: string | null;
  readonly format: 'celery' | 'json' | null;
  readonly colorize: boolean | null;
  /**
   * Send this logger's lines to another destination too (Celery users add a `logging` handler
   * here). As Celery's two loggers, the root one gets the worker's lines (including each task
   * failure's "raised unexpected" line) and the task one the lines tasks log through `ctx.log`;
   * a sink added in both signals sees each line once. Only loggers `app.setupLogging()` built
   * have sinks: after a `setup_logging` handler took over, this throws.
   * @returns a function that removes the sink.
   */
  readonly addSink: (sink: LogSink) => () => void;
}
