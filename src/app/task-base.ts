/**
 * `defineTaskBase`: shared defaults and handlers for several tasks — what a Celery project writes
 * as `class BrokerTask(celery.Task)` and uses with `@app.task(base=BrokerTask)`.
 */
import type { TaskBase, TaskContext } from './task-types.js';

/**
 * Declare a task base: options (`maxRetries`, `acksLate`, `autoretryFor`...), handlers
 * (`onFailure`, `onSuccess`, `onRetry`, `afterReturn`, `beforeStart`) and helpers of your own.
 * Inside its methods `this` is the run's {@link TaskContext} plus the base's members. Use it as
 * `app.task({ name, base: BrokerTask }, fn)`; the task's own options win over the base's, and a
 * base may itself have a `base`. Returns `base` unchanged (the function only adds typing).
 * @example
 * ```ts
 * const BrokerTask = defineTaskBase({
 *   maxRetries: 5,
 *   onFailure(exc, taskId) {
 *     this.log.error({ err: exc }, `${this.name}[${taskId}] failed`);
 *     this.notify(`${this.name} failed`);
 *   },
 *   notify(text: string) { void fetch(hookUrl, { method: 'POST', body: text }); },
 * });
 * const charge = app.task({ name: 'billing.charge', base: BrokerTask }, (id: string) => ...);
 * ```
 */
export function defineTaskBase<B extends TaskBase>(base: B & ThisType<TaskContext & B>): B {
  return base;
}
