/**
 * Builds the handle `app.task()` returns: a function that runs the task locally (Celery's
 * `Task.__call__`) carrying `delay` / `applyAsync` to send it.
 */
import { randomUUID } from 'node:crypto';
import type { ApplyOptions } from './apply-options.js';
import type { Celery } from './celery.js';
import type { Task, TaskContext, TaskOptions, TaskRequest } from './task-types.js';

/** The request a directly-called bound task sees: a fresh id, no message behind it. */
function directRequest(name: string, args: unknown[]): TaskRequest {
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

export function createTask(app: Celery, options: TaskOptions, fn: (...args: never[]) => unknown): Task<unknown[], unknown> {
  const call = fn as (...args: unknown[]) => unknown;
  const local = options.bind
    ? (...args: unknown[]): unknown => {
        const request = directRequest(options.name, args);
        const ctx: TaskContext = {
          request,
          log: app.log.child({ taskName: options.name, taskId: request.id }),
          app,
          signal: new AbortController().signal,
        };
        return call(ctx, ...args);
      }
    : (...args: unknown[]): unknown => call(...args);

  const applyAsync = (args: unknown[] = [], kwargs: Record<string, unknown> = {}, applyOptions: ApplyOptions = {}) =>
    app.sendTask(options.name, args, kwargs, applyOptions);
  // A function's own `name` is read-only to assignment; define it so `add.name === 'tasks.add'`.
  Object.defineProperty(local, 'name', { value: options.name });
  return Object.assign(local, {
    options: Object.freeze({ ...options }),
    delay: (...args: unknown[]) => applyAsync(args),
    applyAsync,
  });
}
