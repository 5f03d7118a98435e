/**
 * `task_always_eager` (Celery's `Task.apply`): run a task in the calling process, now, the way a
 * worker would — handlers, task signals, `autoretryFor` — and keep its outcome where an
 * `AsyncResult` reads it. As in Celery: a retry runs again at once with `retries + 1` (the
 * countdown is not waited for), until it succeeds or `maxRetries` ends it; `task_eager_propagates`
 * rethrows a failure to the caller; results go to the real result backend only with
 * `task_store_eager_result`, else to a per-app in-memory store. Reject and Ignore store nothing.
 */
import { randomUUID } from 'node:crypto';
import { MemoryBackend } from '../backends/memory/memory-backend.js';
import { NotRegisteredError } from '../errors.js';
import { formatTraceback, serializeError } from '../protocol/exception-codec.js';
import type { ResultMeta } from '../protocol/result-meta.js';
import { formatDateDone } from '../protocol/task-codec.js';
import type { TaskState } from '../protocol/task-state.js';
import type { ApplyOptions } from './apply-options.js';
import { AsyncResult } from './async-result.js';
import type { Celery } from './celery.js';
import { callAsTask, currentTask } from './current-task.js';
import { autoretryOutcome } from './retry-planner.js';
import { buildCallArgs } from './task-arguments.js';
import { createTaskContext } from './task-context.js';
import { Ignore, Reject, Retry } from './task-control.js';
import { resolveTask } from './task-definition.js';
import type { ExceptionInfo, RegisteredTask, TaskContext, TaskRequest } from './task-types.js';

/** Where an eager run's outcome is kept. */
export type EagerStore = (meta: ResultMeta) => Promise<void>;

interface EagerRun {
  id: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  retries: number;
}

/**
 * Run `task` eagerly; resolves with its task id once the outcome is stored.
 * @throws what the task threw, when `propagate` (Celery's `task_eager_propagates`).
 */
export async function runEagerly(
  app: Celery,
  task: RegisteredTask,
  args: unknown[],
  kwargs: Record<string, unknown>,
  options: ApplyOptions,
  store: EagerStore,
  propagate: boolean,
): Promise<string> {
  const parent = currentTask();
  const id = options.taskId ?? randomUUID();
  const rootId = options.rootId ?? parent?.rootId ?? id;
  const parentId = options.parentId ?? parent?.id ?? null;
  let run: EagerRun = { id, args, kwargs, retries: 0 };
  for (;;) {
    const outcome = await runOnce(app, task, run, rootId, parentId, options);
    if (outcome instanceof Retry) {
      if (!outcome.plan) return id;
      run = { id, args: outcome.plan.args, kwargs: outcome.plan.kwargs, retries: outcome.plan.retries };
      continue;
    }
    if (outcome.state === 'SUCCESS' || outcome.state === 'FAILURE') {
      const meta: ResultMeta = {
        taskId: id,
        status: outcome.state,
        result: outcome.state === 'SUCCESS' ? (outcome.value ?? null) : outcome.einfo.serialized,
        traceback: outcome.state === 'SUCCESS' ? null : outcome.einfo.traceback,
        children: [],
        dateDone: formatDateDone(app.clock.now()),
        groupId: options.groupId ?? null,
        parentId,
      };
      if (!(options.ignoreResult ?? task.options.ignoreResult ?? app.conf.taskIgnoreResult)) await store(meta);
      if (outcome.state === 'FAILURE' && propagate) throw outcome.einfo.exception;
    }
    return id;
  }
}

type Outcome =
  | Retry
  | { state: 'SUCCESS'; value: unknown }
  | { state: 'FAILURE'; einfo: ExceptionInfo }
  | { state: 'REJECTED' | 'IGNORED' };

async function runOnce(app: Celery, task: RegisteredTask, run: EagerRun, rootId: string, parentId: string | null, options: ApplyOptions): Promise<Outcome> {
  const resolved = resolveTask(task, app);
  const hooks = resolved.hooks;
  const signals = app.signals;
  const request: TaskRequest = {
    id: run.id,
    task: task.name,
    args: run.args,
    kwargs: run.kwargs,
    retries: run.retries,
    eta: null,
    expires: null,
    hostname: 'eager',
    deliveryInfo: { exchange: options.exchange ?? '', routingKey: options.routingKey ?? '', priority: options.priority ?? null, redelivered: false },
    parentId,
    rootId,
    correlationId: run.id,
    group: options.groupId ?? null,
    groupIndex: options.groupIndex ?? null,
    headers: { ...options.headers },
    calledDirectly: false,
  };
  const ctx: TaskContext = createTaskContext(resolved.contextPrototype, request, new AbortController().signal, app.log);
  const { args, kwargs } = run;
  if (signals.taskPrerun.connected) signals.taskPrerun.send({ sender: task.name, taskId: run.id, task: ctx, args, kwargs });
  let state: TaskState;
  let retval: unknown;
  let einfo: ExceptionInfo | null = null;
  let calling = false;
  try {
    if (hooks?.beforeStart) await hooks.beforeStart.call(ctx, run.id, args, kwargs);
    const callArgs = buildCallArgs(resolved.options, args, kwargs);
    const fn = task.fn as (...a: unknown[]) => unknown;
    calling = true;
    retval = await callAsTask({ id: run.id, rootId }, fn, resolved.options.bind ? [ctx, ...callArgs] : callArgs);
    state = 'SUCCESS';
  } catch (err) {
    retval = calling ? autoretryOutcome(ctx, err, app.clock.now(), app.random) : err;
    state = 'FAILURE';
  }
  let outcome: Outcome;
  if (state === 'SUCCESS') {
    if (hooks?.onSuccess) await quietly(app, () => hooks.onSuccess!.call(ctx, retval, run.id, args, kwargs));
    if (signals.taskSuccess.connected) signals.taskSuccess.send({ sender: task.name, taskId: run.id, task: ctx, result: retval });
    outcome = { state: 'SUCCESS', value: retval };
  } else if (retval instanceof Retry) {
    const info: ExceptionInfo = { exception: retval, serialized: serializeError(retval.exc ?? retval), traceback: formatTraceback(retval) };
    if (hooks?.onRetry) await quietly(app, () => hooks.onRetry!.call(ctx, retval.exc, run.id, args, kwargs, info));
    if (signals.taskRetry.connected) signals.taskRetry.send({ sender: task.name, task: ctx, request, reason: retval, einfo: info });
    return retval;
  } else if (retval instanceof Reject || retval instanceof Ignore) {
    outcome = { state: retval instanceof Reject ? 'REJECTED' : 'IGNORED' };
  } else {
    einfo = { exception: retval, serialized: serializeError(retval), traceback: formatTraceback(retval) };
    const info = einfo;
    if (hooks?.onFailure) await quietly(app, () => hooks.onFailure!.call(ctx, retval, run.id, args, kwargs, info));
    if (signals.taskFailure.connected) {
      signals.taskFailure.send({ sender: task.name, taskId: run.id, task: ctx, exception: retval, args, kwargs, traceback: info.traceback, einfo: info });
    }
    outcome = { state: 'FAILURE', einfo: info };
  }
  if (hooks?.afterReturn && (state === 'SUCCESS' || outcome.state === 'FAILURE')) {
    const status = outcome.state === 'FAILURE' ? 'FAILURE' : 'SUCCESS';
    await quietly(app, () => hooks.afterReturn!.call(ctx, status, retval, run.id, args, kwargs, einfo));
  }
  if (signals.taskPostrun.connected) {
    const postState: TaskState = outcome instanceof Retry ? 'RETRY' : outcome.state;
    signals.taskPostrun.send({ sender: task.name, taskId: run.id, task: ctx, args, kwargs, retval, state: postState });
  }
  return outcome;
}

/** A handler that throws is logged and changes nothing, as in the worker. */
async function quietly(app: Celery, fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (err) {
    app.log.error({ err }, `a task handler raised: ${String(err)}`);
  }
}

/** An app's eager runs (`app.applyEager`) and the in-memory store their results go to. */
export class EagerApplier {
  #store: MemoryBackend | undefined;

  constructor(private readonly app: Celery) {}

  /**
   * Run task `name` now in this process and return a handle on its result.
   * @throws NotRegisteredError when no task of that name is registered here.
   * @throws what the task threw, with `propagate` (default `task_eager_propagates`).
   */
  async apply<R>(
    name: string,
    args: unknown[],
    kwargs: Record<string, unknown>,
    options: ApplyOptions,
    propagate = this.app.conf.taskEagerPropagates,
  ): Promise<AsyncResult<R>> {
    const task = this.app.tasks.get(name);
    if (!task) throw new NotRegisteredError(name);
    const backend = this.app.conf.taskStoreEagerResult ? ((await this.app.backend()) ?? this.#memory()) : this.#memory();
    const id = await runEagerly(this.app, task, args, kwargs, options, (meta) => backend.storeResult(meta), propagate);
    return new AsyncResult<R>(id, () => Promise.resolve(backend));
  }

  #memory(): MemoryBackend {
    this.#store ??= new MemoryBackend({ clock: this.app.clock, resultExpiresMs: null });
    return this.#store;
  }

  /** Drop the in-memory results. */
  async stop(): Promise<void> {
    const store = this.#store;
    this.#store = undefined;
    await store?.stop();
  }
}
