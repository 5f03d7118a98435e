/**
 * Runs one request: calls the task function in the task's context, turns the outcome into a
 * state (SUCCESS / FAILURE) and stores it as Celery does (celery/app/trace.py `build_tracer`).
 */
import type { ResultBackend } from '../backends/backend.js';
import type { Celery } from '../app/celery.js';
import { currentTaskStorage } from '../app/current-task.js';
import { buildCallArgs } from '../app/task-arguments.js';
import type { RegisteredTask, TaskContext } from '../app/task-types.js';
import type { Logger } from '../internal/logger.js';
import { formatTraceback, serializeError } from '../protocol/exception-codec.js';
import type { ResultMeta } from '../protocol/result-meta.js';
import type { TaskState } from '../protocol/task-state.js';
import { formatDateDone } from '../protocol/task-codec.js';
import { pythonRepr } from '../protocol/python-repr.js';
import type { Request } from './request.js';

export interface RunnerSettings {
  app: Celery;
  backend: ResultBackend | null;
  hostname: string;
  log: Logger;
  /** `task_acks_late` default for tasks that do not say. */
  acksLate: boolean;
  /** `task_track_started` default. */
  trackStarted: boolean;
  /** `task_ignore_result` default. */
  ignoreResult: boolean;
}

/** What became of a run, for counters and tests. */
export interface RunOutcome {
  state: TaskState;
  runtimeMs: number;
}

export class TaskRunner {
  constructor(private readonly s: RunnerSettings) {}

  /** The meta Celery stores for a state (celery-protocol.md §6.2). */
  meta(request: Request, status: TaskState, result: unknown, traceback: string | null): ResultMeta {
    const m = request.message;
    const ready = status === 'SUCCESS' || status === 'FAILURE' || status === 'REVOKED';
    return {
      taskId: m.id,
      status,
      result,
      traceback,
      children: [],
      dateDone: ready ? formatDateDone(this.s.app.clock.now()) : null,
      groupId: m.group,
      parentId: m.parentId,
    };
  }

  /** Store unless results are off for this request. Errors are logged, never thrown. */
  async store(request: Request, meta: ResultMeta, task: RegisteredTask | undefined): Promise<void> {
    const backend = this.s.backend;
    if (!backend) return;
    if (request.message.ignoreResult || (task?.options.ignoreResult ?? this.s.ignoreResult)) return;
    try {
      await backend.storeResult(meta);
    } catch (err) {
      this.s.log.error({ err }, `could not store the ${meta.status} result of ${request.name}[${request.id}]`);
    }
  }

  /**
   * Run `request` with `task`. Acks before the call (Celery's default early ack) unless the
   * task acks late, in which case the ack follows the stored result.
   */
  async run(request: Request, task: RegisteredTask, signal: AbortSignal): Promise<RunOutcome> {
    const acksLate = task.options.acksLate ?? this.s.acksLate;
    if (!acksLate) void request.ack();
    if (task.options.trackStarted ?? this.s.trackStarted) {
      await this.store(request, this.meta(request, 'STARTED', { pid: process.pid, hostname: this.s.hostname }, null), task);
    }
    const startedAt = performance.now();
    const m = request.message;
    let state: TaskState;
    try {
      const callArgs = buildCallArgs(task.options, m.args, m.kwargs);
      const fn = task.fn as (...args: unknown[]) => unknown;
      let retval: unknown;
      if (task.options.bind) {
        const ctx: TaskContext = {
          request: request.taskRequest(),
          log: this.s.log.child({ taskName: m.task, taskId: m.id }),
          app: this.s.app,
          signal,
        };
        retval = await currentTaskStorage.run({ id: m.id, rootId: m.rootId }, () => fn(ctx, ...callArgs));
      } else {
        retval = await currentTaskStorage.run({ id: m.id, rootId: m.rootId }, () => fn(...callArgs));
      }
      const runtimeMs = performance.now() - startedAt;
      state = 'SUCCESS';
      if (this.s.log.isLevelEnabled('info')) {
        this.s.log.info(`Task ${m.task}[${m.id}] succeeded in ${(runtimeMs / 1000).toFixed(6)}s: ${pythonRepr(retval)}`);
      }
      await this.store(request, this.meta(request, 'SUCCESS', retval === undefined ? null : retval, null), task);
    } catch (err) {
      state = 'FAILURE';
      const exc = serializeError(err);
      const traceback = formatTraceback(err);
      this.s.log.error(
        { err },
        `Task ${m.task}[${m.id}] raised unexpected: ${exc.exc_type}(${exc.exc_message.map((x) => pythonRepr(x)).join(', ')})`,
      );
      await this.store(request, this.meta(request, 'FAILURE', exc, traceback), task);
    }
    // Celery's task_acks_on_failure_or_timeout (default True): a late-acked failure is acked too.
    if (acksLate) await request.ack();
    return { state, runtimeMs: performance.now() - startedAt };
  }
}
