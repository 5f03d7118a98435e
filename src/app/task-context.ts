/**
 * Task contexts (Celery's bound `self`): one prototype per task holding the name, app, effective
 * options, `retry()` and a lazy `log`, inheriting from the task's `base` (so a base's helpers are
 * `ctx.helper()` / `this.helper()`); per run, a small object with the request and abort signal.
 * Making a context costs one `Object.create` and three property writes; the child logger is only
 * built when `ctx.log` is read.
 */
import type { Logger } from '../internal/logger.js';
import type { Celery } from './celery.js';
import { planRetry } from './retry-planner.js';
import type { RetryOptions, TaskContext, TaskOptions, TaskRequest } from './task-types.js';

const BASE_LOG = Symbol('celeriac.baseLog');

interface RunFields {
  request: TaskRequest;
  signal: AbortSignal;
  [BASE_LOG]: Logger;
}

/** The prototype of every context of one task. */
export function createContextPrototype(app: Celery, name: string, options: Readonly<TaskOptions>): object {
  const base = options.base;
  const proto = Object.create(typeof base === 'object' && base !== null ? base : Object.prototype) as object;
  Object.defineProperties(proto, {
    name: { value: name, enumerable: true },
    app: { value: app },
    options: { value: options },
    retry: {
      value: function retry(this: TaskContext, retryOptions?: RetryOptions): never {
        throw planRetry(this, retryOptions ?? {}, this.app.clock.now());
      },
    },
    log: {
      get(this: RunFields): Logger {
        const log = this[BASE_LOG].child({ taskName: name, taskId: this.request.id });
        Object.defineProperty(this, 'log', { value: log });
        return log;
      },
    },
  });
  return proto;
}

/**
 * A context for one run.
 * @param log the logger task lines derive from (the worker's).
 */
export function createTaskContext(proto: object, request: TaskRequest, signal: AbortSignal, log: Logger): TaskContext {
  const ctx = Object.create(proto) as RunFields;
  ctx.request = request;
  ctx.signal = signal;
  ctx[BASE_LOG] = log;
  return ctx as unknown as TaskContext;
}
