/**
 * Calls a task function where the pool runs it (this process for `async`, a thread or child for
 * the others): arguments applied (`params`), the context passed when the task is bound, the
 * current-task scope set (so tasks it sends get `parent_id` / `root_id`), and `autoretryFor`
 * applied to what it throws — here, where the thrown error is still its own class.
 */
import type { Celery } from '../../app/celery.js';
import { callAsTask, isThenable } from '../../app/current-task.js';
import { autoretryOutcome } from '../../app/retry-planner.js';
import { buildCallArgs } from '../../app/task-arguments.js';
import { resolveTask } from '../../app/task-definition.js';
import type { TaskOptions } from '../../app/task-types.js';
import type { CallOutcome, TaskCall } from './pool.js';

/**
 * Run `call` to its outcome; never throws. A function that returns a non-promise gives its
 * outcome synchronously (no promise made: the common, fast case).
 */
export function invokeTask(app: Celery, call: TaskCall): CallOutcome | Promise<CallOutcome> {
  const options = resolveTask(call.task, app).options;
  let value: unknown;
  try {
    const callArgs = buildCallArgs(options, call.args, call.kwargs);
    const fn = call.task.fn as (...args: unknown[]) => unknown;
    try {
      value = callAsTask({ id: call.id, rootId: call.rootId }, fn, options.bind ? [call.context(), ...callArgs] : callArgs);
    } catch (err) {
      return failed(app, call, options, err);
    }
  } catch (error) {
    // Arguments that do not fit the function: not the task's own error, so never autoretried.
    return { ok: false, error };
  }
  if (!isThenable(value)) return { ok: true, value };
  return Promise.resolve(value).then(
    (v): CallOutcome => ({ ok: true, value: v }),
    (err: unknown) => failed(app, call, options, err),
  );
}

function failed(app: Celery, call: TaskCall, options: Readonly<TaskOptions>, err: unknown): CallOutcome {
  const error = options.autoretryFor !== undefined ? autoretryOutcome(call.context(), err, app.clock.now(), app.random) : err;
  return { ok: false, error };
}
