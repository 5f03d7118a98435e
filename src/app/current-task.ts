/**
 * Which task is running, so a task that sends another gets its `parent_id` and `root_id` filled
 * in, as Celery does with `current_worker_task`.
 *
 * Two layers, because an AsyncLocalStorage is costly in Node 20: once anything enters one, a hook
 * runs for every promise the process makes from then on (W2 measured ~13 % of a noop worker's
 * instructions). So:
 * - during the synchronous run of a task function the task is in a plain variable — all a plain
 *   (non-async) task needs, and what Celery gives (its current task is set for the call only);
 * - an async function, or a plain one that has returned a promise before, also runs inside the
 *   AsyncLocalStorage, so the task is known after its awaits (a plain function's *first* promise
 *   is the exception: its continuations see no current task);
 * - the APIs that send tasks ({@link withCurrentTask}) carry the task of a synchronous call into
 *   the async work they start (a chord awaits its backend before it sends its header).
 * A worker whose tasks are all plain functions that send nothing never enters the storage.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface CurrentTask {
  id: string;
  rootId: string;
}

const storage = new AsyncLocalStorage<CurrentTask>();

/** The task whose function is running synchronously now (innermost first), else undefined. */
let calling: CurrentTask | undefined;

/** Plain functions seen returning a promise: their later calls run inside the storage. */
const returnedPromise = new WeakSet<object>();

const AsyncFunction = (async () => {}).constructor;
const AsyncGeneratorFunction = async function* () {}.constructor;

/** The task running in this call or async context, or undefined outside any task. */
export function currentTask(): CurrentTask | undefined {
  return calling ?? storage.getStore();
}

/**
 * `fn(...args)` as task `current` (see the module comment for how far that reaches).
 * Exceptions pass through; the previous current task is back when it returns or throws.
 */
export function callAsTask(current: CurrentTask, fn: (...args: unknown[]) => unknown, args: unknown[]): unknown {
  const previous = calling;
  calling = current;
  try {
    const acrossAwaits = fn instanceof AsyncFunction || fn instanceof AsyncGeneratorFunction || returnedPromise.has(fn);
    if (acrossAwaits) return storage.run(current, fn, ...args);
    const value = fn(...args);
    if (isThenable(value)) returnedPromise.add(fn);
    return value;
  } finally {
    calling = previous;
  }
}

/**
 * Run `start` so that the async work it begins still sees the current task after its awaits: a
 * synchronous task call's task is entered into the storage for it. Sending APIs wrap their body
 * in this; outside a synchronous task call it is a plain call.
 */
export function withCurrentTask<R>(start: () => R): R {
  const current = calling;
  if (current === undefined || storage.getStore() === current) return start();
  return storage.run(current, start);
}

/** True for anything `await` would treat as a promise. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
