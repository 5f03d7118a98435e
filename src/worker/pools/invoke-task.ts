/**
 * Calls a task function where the pool runs it (this process for `async`, a thread or child for
 * the others): arguments applied (`params`), the context passed when the task is bound, the
 * current-task scope set (so tasks it sends get `parent_id` / `root_id`), and `autoretryFor`
 * applied to what it throws — here, where the thrown error is still its own class.
 */
import type { Celery } from '../../app/celery.js';
import { currentTaskStorage } from '../../app/current-task.js';
import { autoretryOutcome } from '../../app/retry-planner.js';
import { buildCallArgs } from '../../app/task-arguments.js';
import { resolveTask } from '../../app/task-definition.js';
import type { CallOutcome, TaskCall } from './pool.js';

/** Run `call` to its outcome; never throws. */
export async function invokeTask(app: Celery, call: TaskCall): Promise<CallOutcome> {
  const options = resolveTask(call.task, app).options;
  let callArgs: unknown[];
  try {
    callArgs = buildCallArgs(options, call.args, call.kwargs);
  } catch (error) {
    return { ok: false, error };
  }
  const fn = call.task.fn as (...args: unknown[]) => unknown;
  const current = { id: call.id, rootId: call.rootId };
  try {
    const value = options.bind
      ? await currentTaskStorage.run(current, () => fn(call.context(), ...callArgs))
      : await currentTaskStorage.run(current, () => fn(...callArgs));
    return { ok: true, value };
  } catch (err) {
    const error = options.autoretryFor !== undefined ? autoretryOutcome(call.context(), err, app.clock.now(), app.random) : err;
    return { ok: false, error };
  }
}
