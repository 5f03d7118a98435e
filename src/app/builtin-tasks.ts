/**
 * The built-in tasks canvas relies on (Celery's `celery/app/builtins.py`), registered on every
 * app so a worker runs them whoever sent them:
 * - `celery.map(task, it)`: calls the task in this worker on each item, returns the list;
 * - `celery.starmap(task, it)`: the same with each item spread as the arguments;
 * - `celery.chunks(task, it, n)`: applies the chunks as a group of `celery.starmap` tasks.
 * (`celery.chord_unlock` is not needed: every celeriac backend joins chords itself.)
 */
import { signatureFromDict } from '../canvas/signature-codec.js';
import { Chunks } from '../canvas/signature.js';
import { NotRegisteredError } from '../errors.js';
import type { Celery } from './celery.js';
import { localCaller } from './task-factory.js';
import { TaskDefinition } from './task-definition.js';

/** Names of the built-in tasks. */
export const BUILTIN_TASK_NAMES = ['celery.map', 'celery.starmap', 'celery.chunks'] as const;

export function registerBuiltinTasks(app: Celery): void {
  app.task({ name: 'celery.map', params: ['task', 'it'] }, async (task: unknown, it: unknown[]) => {
    const call = localTask(app, task);
    const out: unknown[] = [];
    for (const item of it) out.push(await call(item));
    return out;
  });
  app.task({ name: 'celery.starmap', params: ['task', 'it'] }, async (task: unknown, it: unknown[][]) => {
    const call = localTask(app, task);
    const out: unknown[] = [];
    for (const item of it) out.push(await call(...item));
    return out;
  });
  app.task({ name: 'celery.chunks', params: ['task', 'it', 'n'] }, async (task: unknown, it: unknown[][], n: number) => {
    const result = await new Chunks(signatureFromDict(task, app.canvas), it, n, {}, app.canvas).group().applyAsync();
    return result.asTuple();
  });
}

/** The local function of the task a signature dict names. @throws NotRegisteredError when this app lacks it. */
function localTask(app: Celery, task: unknown): (...args: unknown[]) => unknown {
  const name = signatureFromDict(task).task;
  const registered = app.tasks.get(name);
  if (registered === undefined) throw new NotRegisteredError(name);
  if (registered instanceof TaskDefinition) return localCaller(app, registered);
  return registered.fn as (...args: unknown[]) => unknown;
}
