/**
 * Runs one request as Celery's tracer does (celery/app/trace.py `build_tracer`): `taskPrerun`,
 * STARTED, `beforeStart`, the task, then by outcome —
 * - returned: store SUCCESS → `onSuccess` → `taskSuccess`;
 * - threw (after `autoretryFor`): store FAILURE → `onFailure` → `taskFailure`;
 * - threw a Retry (`ctx.retry()`): store RETRY → republish → `onRetry` → `taskRetry`;
 * - threw Reject: nothing stored, message requeued or dead-lettered (when not yet acked);
 * - threw Ignore: nothing stored, message acked;
 * then `afterReturn` (SUCCESS and FAILURE only) and `taskPostrun`.
 *
 * RETRY is stored before the retry is published (Celery publishes first): otherwise a quick
 * retry could finish, and store SUCCESS, before this run's RETRY write lands over it. If the
 * republish fails the run ends in FAILURE with that error instead of staying RETRY.
 *
 * The fast path — no handlers, no task signal connected, not bound — builds no context at all.
 */
import type { ResultBackend } from '../backends/backend.js';
import type { Celery } from '../app/celery.js';
import { buildRetryMessage } from '../app/retry-message.js';
import { createTaskContext } from '../app/task-context.js';
import { Ignore, Reject, Retry } from '../app/task-control.js';
import { resolveTask, type ResolvedTask } from '../app/task-definition.js';
import type { ExceptionInfo, RegisteredTask, TaskContext, TaskHooks, TaskRequest } from '../app/task-types.js';
import type { Logger } from '../internal/logger.js';
import { formatTraceback, serializeError } from '../protocol/exception-codec.js';
import type { ResultMeta, SerializedException } from '../protocol/result-meta.js';
import type { TaskState } from '../protocol/task-state.js';
import { formatDateDone, originNodename } from '../protocol/task-codec.js';
import { pythonRepr } from '../protocol/python-repr.js';
import { LazyAbortController } from '../internal/lazy-abort-controller.js';
import type { CallOutcome, PoolSlot, TaskCall, TerminateSource } from './pools/pool.js';
import { CanvasSteps, hasFailureSteps, hasNextSteps } from './canvas-steps.js';
import type { Request } from './request.js';
import { timeLimitsOf } from './time-limits.js';

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
  /** `task_time_limit` / `task_soft_time_limit` in ms, for tasks and messages that do not say; null: none. */
  timeLimitMs: number | null;
  softTimeLimitMs: number | null;
}

/** What became of a run, for counters and tests: SUCCESS, FAILURE, RETRY, REJECTED or IGNORED. */
export interface RunOutcome {
  state: TaskState;
}

/** One run's moving parts, passed between the outcome handlers. */
export interface Run {
  request: Request;
  task: RegisteredTask;
  resolved: ResolvedTask;
  /** Its signal is made only when a context is. */
  abort: LazyAbortController;
  /** Built when the task is bound, has handlers or a task signal is connected. */
  ctx: TaskContext | undefined;
}

export class TaskRunner {
  /** Callbacks, chain steps, chord joins and errbacks (see canvas-steps.ts). */
  private readonly canvas: CanvasSteps;

  constructor(private readonly s: RunnerSettings) {
    this.canvas = new CanvasSteps(s.app, s.backend, s.log);
  }

  /** The meta Celery stores for a state (celery-protocol.md §6.2). */
  meta(request: Request, status: TaskState, result: unknown, traceback: string | null, children: unknown[] = []): ResultMeta {
    const m = request.message;
    const ready = status === 'SUCCESS' || status === 'FAILURE' || status === 'REVOKED';
    return {
      taskId: m.id,
      status,
      result,
      traceback,
      children,
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
   * Tell a revoked (or expired) task's chord that this part will not produce a value, after its
   * REVOKED state is stored (Celery's `mark_as_revoked`): the chord fails with a `ChordError`
   * instead of waiting. Errors are logged.
   */
  async revokedPart(request: Request, exc: SerializedException): Promise<void> {
    if (request.message.embed.chord !== null) await this.canvas.chordPart(request.message, 'REVOKED', exc);
  }

  /**
   * Run `request` with `task`. Acks before the call (Celery's default early ack) unless the
   * task acks late, in which case the ack follows the stored result (a Reject rejects instead).
   */
  /**
   * @param slot the pool slot the task function runs in.
   * @param terminate the worker's per-request switch: aborting it ends the call now.
   * @param ended called as the run ends, however it ends, before the returned promise settles
   *   (the worker's running-task bookkeeping: no async wrapper of its own per task).
   * @throws PoolStoppedError when a cold shutdown ended the call (nothing was stored).
   */
  async run(
    request: Request,
    task: RegisteredTask,
    slot: PoolSlot,
    terminate?: TerminateSource,
    ended?: (request: Request) => void,
  ): Promise<RunOutcome> {
    try {
      const app = this.s.app;
      const resolved = resolveTask(task, app);
      const options = resolved.options;
      const acksLate = options.acksLate ?? this.s.acksLate;
      if (!acksLate) void request.ack();
      const signals = app.signals;
      const m = request.message;
      const observed =
        resolved.hooks !== null ||
        signals.taskPrerun.connected ||
        signals.taskPostrun.connected ||
        signals.taskSuccess.connected ||
        signals.taskFailure.connected ||
        signals.taskRetry.connected;
      // Behind ctx.signal: aborted at the soft limit, the hard limit, on terminate and cold shutdown.
      const abort = new LazyAbortController();
      const run: Run = {
        request,
        task,
        resolved,
        abort,
        ctx: options.bind || observed ? this.context(resolved, request, abort.signal) : undefined,
      };
      if (signals.taskPrerun.connected) {
        signals.taskPrerun.send({ sender: m.task, taskId: m.id, task: this.ctxOf(run), args: m.args, kwargs: m.kwargs });
      }
      if (options.trackStarted ?? this.s.trackStarted) {
        await this.store(request, this.meta(request, 'STARTED', { pid: process.pid, hostname: this.s.hostname }, null), task);
      }
      const startedAt = performance.now();
      const hooks = resolved.hooks;
      let state: TaskState;
      let retval: unknown;
      let einfo: ExceptionInfo | null = null;
      let outcome: CallOutcome | null = null;
      if (hooks?.beforeStart) {
        try {
          await hooks.beforeStart.call(this.ctxOf(run), m.id, m.args, m.kwargs);
        } catch (error) {
          outcome = { ok: false, error };
        }
      }
      if (!outcome) {
        const limits = timeLimitsOf(m.timelimit, options, this.s);
        const called = slot.call(this.taskCall(run), { abort, terminate, timeLimitMs: limits.timeLimitMs, softTimeLimitMs: limits.softTimeLimitMs });
        outcome = called instanceof Promise ? await called : called;
      }
      // Revoked with terminate: the worker stores REVOKED; like a killed Celery child, no handlers run.
      if (request.terminatedBy !== null) return { state: 'REVOKED' };
      retval = outcome.ok ? outcome.value : outcome.error;
      state = outcome.ok ? 'SUCCESS' : 'FAILURE';
      let children: unknown[] | undefined;
      if (state === 'SUCCESS' && hasNextSteps(m.embed)) {
        // Applied before the result is stored, so it lists them as children (as Celery); a step
        // that cannot be sent fails the task.
        try {
          children = await this.canvas.afterSuccess(m, retval);
        } catch (err) {
          retval = err;
          state = 'FAILURE';
        }
      }
      if (state === 'SUCCESS') {
        // Inline rather than a helper: one async frame less per task on the hot path.
        if (this.s.log.isLevelEnabled('info')) {
          this.s.log.info(`Task ${request.displayName}[${m.id}] succeeded in ${((performance.now() - startedAt) / 1000).toFixed(6)}s: ${pythonRepr(retval)}`);
        }
        // store() inlined: one async call less per task on the hot path.
        const backend = this.s.backend;
        if (backend !== null && !(m.ignoreResult || (task.options.ignoreResult ?? this.s.ignoreResult))) {
          try {
            await backend.storeResult(this.meta(request, 'SUCCESS', retval === undefined ? null : retval, null, children));
          } catch (err) {
            this.s.log.error({ err }, `could not store the SUCCESS result of ${request.name}[${request.id}]`);
          }
        }
        if (m.embed.chord !== null) await this.canvas.chordPart(m, 'SUCCESS', retval === undefined ? null : retval);
        if (hooks?.onSuccess) await this.callHook(run, 'onSuccess', hooks.onSuccess, [retval, m.id, m.args, m.kwargs]);
        if (signals.taskSuccess.connected) signals.taskSuccess.send({ sender: m.task, taskId: m.id, task: this.ctxOf(run), result: retval });
      } else if (retval instanceof Retry) {
        const failed = await this.retried(run, retval);
        if (failed) {
          retval = failed.exception;
          einfo = failed;
        } else {
          state = 'RETRY';
        }
      } else if (retval instanceof Reject) {
        state = 'REJECTED';
        await this.rejected(run, retval);
      } else if (retval instanceof Ignore) {
        state = 'IGNORED';
        if (this.s.log.isLevelEnabled('info')) this.s.log.info(`Task ${request.displayName}[${m.id}] ignored`);
      } else {
        einfo = await this.failed(run, retval);
      }
      if (hooks?.afterReturn && (state === 'SUCCESS' || state === 'FAILURE')) {
        await this.callHook(run, 'afterReturn', hooks.afterReturn, [state, retval, m.id, m.args, m.kwargs, einfo]);
      }
      if (signals.taskPostrun.connected) {
        signals.taskPostrun.send({ sender: m.task, taskId: m.id, task: this.ctxOf(run), args: m.args, kwargs: m.kwargs, retval, state });
      }
      // Celery's task_acks_on_failure_or_timeout (default True): a late-acked failure is acked too;
      // a retried or ignored message is acked; a rejected one was settled by `rejected`.
      if (acksLate) await request.ack();
      return { state };
    } finally {
      ended?.(request);
    }
  }

  /** The function call the pool runs: in this process with the run's context, or elsewhere with `request()`. */
  private taskCall(run: Run): TaskCall {
    return new RunCall(this, run);
  }

  private context(resolved: ResolvedTask, request: Request, signal: AbortSignal): TaskContext {
    return createTaskContext(resolved.contextPrototype, request.taskRequest(), signal, this.s.log);
  }

  /** The run's context, built now if nothing needed it before (e.g. a signal connected mid-run). */
  ctxOf(run: Run): TaskContext {
    return (run.ctx ??= this.context(run.resolved, run.request, run.abort.signal));
  }

  /** Store FAILURE, then `onFailure` and `taskFailure`. @returns the failure's info. */
  private async failed(run: Run, err: unknown): Promise<ExceptionInfo> {
    const { request, task } = run;
    const m = request.message;
    const serialized = serializeError(err);
    const traceback = formatTraceback(err);
    await this.store(request, this.meta(request, 'FAILURE', serialized, traceback), task);
    const einfo: ExceptionInfo = { exception: err, serialized, traceback };
    const onFailure = run.resolved.hooks?.onFailure;
    if (onFailure) await this.callHook(run, 'onFailure', onFailure, [err, m.id, m.args, m.kwargs, einfo]);
    const signal = this.s.app.signals.taskFailure;
    if (signal.connected) {
      signal.send({ sender: m.task, taskId: m.id, task: this.ctxOf(run), exception: err, args: m.args, kwargs: m.kwargs, traceback, einfo });
    }
    this.s.log.error(
      { err },
      `Task ${request.displayName}[${m.id}] raised unexpected: ${serialized.exc_type}(${serialized.exc_message.map((x) => pythonRepr(x)).join(', ')})`,
    );
    if (hasFailureSteps(m.embed)) await this.canvas.afterFailure(m, serialized, traceback);
    return einfo;
  }

  /**
   * Store RETRY, republish, then `onRetry` and `taskRetry`.
   * @returns null, or the FAILURE info when the retry could not be published.
   */
  private async retried(run: Run, reason: Retry): Promise<ExceptionInfo | null> {
    const { request, task } = run;
    const m = request.message;
    const app = this.s.app;
    // The stored result is the reason (Celery's `Retry.exc`); a bare Retry stores itself.
    const serialized = serializeError(reason.exc === undefined ? reason : reason.exc);
    const traceback = formatTraceback(reason);
    // Celery lists the republished message (same id) among the children.
    const children = reason.plan ? [[[m.id, null], null]] : [];
    await this.store(request, this.meta(request, 'RETRY', serialized, traceback, children), task);
    if (reason.plan) {
      try {
        const delivered = { exchange: request.delivery.exchange, routingKey: request.delivery.routingKey };
        const { message, target } = buildRetryMessage(m, reason.plan, delivered, originNodename(), app.clock.now());
        await app.producer().publishMessage(message, target, {
          serializer: run.resolved.options.serializer,
          compression: run.resolved.options.compression,
        });
      } catch (err) {
        this.s.log.error({ err }, `Task ${request.displayName}[${m.id}] could not be retried: publishing the retry failed`);
        return this.failed(run, err);
      }
    }
    const einfo: ExceptionInfo = { exception: reason, serialized, traceback };
    const onRetry = run.resolved.hooks?.onRetry;
    if (onRetry) await this.callHook(run, 'onRetry', onRetry, [reason.exc, m.id, m.args, m.kwargs, einfo]);
    const signal = app.signals.taskRetry;
    if (signal.connected) signal.send({ sender: m.task, task: this.ctxOf(run), request: this.ctxOf(run).request, reason, einfo });
    if (this.s.log.isLevelEnabled('info')) this.s.log.info(`Task ${request.displayName}[${m.id}] retry: ${reason.message}`);
    return null;
  }

  private async rejected(run: Run, reason: Reject): Promise<void> {
    const request = run.request;
    const m = request.message;
    this.s.log.warn(`Task ${request.displayName}[${m.id}] rejected (${reason.requeue ? 'requeued' : 'dead-lettered'}): ${reason.message}`);
    if (request.acknowledged) {
      this.s.log.debug(`Task ${request.displayName}[${m.id}]: the message was acked before the task ran (acksLate is off), so Reject has nothing to act on`);
      return;
    }
    try {
      await request.reject(
        reason.requeue ? { requeue: true } : { requeue: false, deadLetterReason: `rejected by task ${m.task}: ${reason.message}` },
      );
    } catch (err) {
      this.s.log.error({ err }, `Task ${request.displayName}[${m.id}]: could not reject the message`);
    }
  }

  /** Run a handler; what it throws is logged and changes nothing (the outcome is stored). */
  private async callHook<K extends keyof TaskHooks>(
    run: Run,
    name: K,
    hook: NonNullable<TaskHooks[K]>,
    args: Parameters<NonNullable<TaskHooks[K]>>,
  ): Promise<void> {
    try {
      await (hook as (...a: unknown[]) => unknown).apply(this.ctxOf(run), args);
    } catch (err) {
      const m = run.request.message;
      this.s.log.error({ err }, `${name} handler of ${m.task}[${m.id}] raised: ${String(err)}`);
    }
  }
}

/** A run's {@link TaskCall}; a class so building one per task allocates no closures. */
class RunCall implements TaskCall {
  readonly task: RegisteredTask;
  readonly id: string;
  readonly rootId: string;
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;

  constructor(
    private readonly runner: TaskRunner,
    private readonly run: Run,
  ) {
    const m = run.request.message;
    this.task = run.task;
    this.id = m.id;
    this.rootId = m.rootId;
    this.args = m.args;
    this.kwargs = m.kwargs;
  }

  context(): TaskContext {
    return this.runner.ctxOf(this.run);
  }

  request(): TaskRequest {
    return this.run.request.taskRequest();
  }
}
