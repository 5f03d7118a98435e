/**
 * Builds the handle `app.task()` returns: a function that runs the task locally (Celery's
 * `Task.__call__`: no handlers, no result stored) carrying `delay` / `applyAsync` to send it.
 */
import { randomUUID } from 'node:crypto';
import type { ApplyOptions } from './apply-options.js';
import type { Celery } from './celery.js';
import { createTaskContext } from './task-context.js';
import { taskSignatures } from './task-signatures.js';
import type { TaskDefinition } from './task-definition.js';
import type { Task, TaskRequest } from './task-types.js';

/** The request a directly-called bound task sees: a fresh id, no message behind it. */
export function directRequest(name: string, args: unknown[]): TaskRequest {
  const id = randomUUID();
  return {
    id,
    task: name,
    args,
    kwargs: {},
    retries: 0,
    eta: null,
    expires: null,
    hostname: 'local',
    deliveryInfo: { exchange: '', routingKey: '', priority: null, redelivered: false },
    parentId: null,
    rootId: id,
    correlationId: id,
    group: null,
    groupIndex: null,
    headers: {},
    calledDirectly: true,
  };
}

/** The task's function called in this process, a bound task with a fresh context (Celery's `Task.__call__`). */
export function localCaller(app: Celery, definition: TaskDefinition): (...args: unknown[]) => unknown {
  const name = definition.name;
  const call = definition.fn as (...args: unknown[]) => unknown;
  return definition.declared.bind
    ? (...args: unknown[]): unknown => {
        const ctx = createTaskContext(
          definition.resolve().contextPrototype,
          directRequest(name, args),
          new AbortController().signal,
          app.log,
        );
        return call(ctx, ...args);
      }
    : (...args: unknown[]): unknown => call(...args);
}

export function createTask(app: Celery, definition: TaskDefinition): Task<unknown[], unknown> {
  const name = definition.name;
  const local = localCaller(app, definition);

  // Celery applies task_always_eager in Task.apply_async (send_task ignores it), and so here.
  const applyAsync = (args: unknown[] = [], kwargs: Record<string, unknown> = {}, applyOptions: ApplyOptions = {}) =>
    app.conf.taskAlwaysEager ? app.applyEager(name, args, kwargs, applyOptions) : app.sendTask(name, args, kwargs, applyOptions);
  // A function's own `name` is read-only to assignment; define it so `add.name === 'tasks.add'`.
  Object.defineProperty(local, 'name', { value: name });
  // The effective options (annotations included), read when asked.
  Object.defineProperty(local, 'options', { get: () => definition.options, enumerable: true });
  return Object.assign(local, {
    delay: (...args: unknown[]) => applyAsync(args),
    applyAsync,
    apply: (args: unknown[] = [], kwargs: Record<string, unknown> = {}, applyOptions: ApplyOptions = {}) =>
      app.applyEager(name, args, kwargs, applyOptions),
    ...taskSignatures(app.canvas, name),
  }) as Task<unknown[], unknown>;
}
