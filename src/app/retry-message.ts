/**
 * The message a retry republishes, from the message being retried — Celery's
 * `Task.signature_from_request` + `apply_async` (celery/app/task.py), checked against the
 * `redis-retry-republish` capture: same id, `retries + 1`, `eta`, `parent_id` = the task's own
 * id, `root_id`, `reply_to`, correlation id, group, shadow, expiry, time limits, custom headers
 * and canvas (callbacks, errbacks, chain, chord) kept; `origin` is the retrying process.
 */
import { argsRepr, kwargsRepr } from '../protocol/python-repr.js';
import { formatEtaHeader, parseCeleryDate } from '../protocol/task-codec.js';
import type { TaskMessage } from '../protocol/task-message.js';
import type { PublishRoute } from '../transports/transport.js';
import type { RetryPlan } from './task-control.js';

/** Where a message goes: a queue (through the anonymous exchange) or an exchange route. */
export type PublishTarget = { queue: string } | PublishRoute;

/**
 * @param original the message being retried.
 * @param delivered the exchange and routing key it was delivered with.
 * @param origin the `origin` header (this process's `gen<pid>@<host>`).
 * @param nowMs for the AMQP `expiration` of a message that expires.
 */
export function buildRetryMessage(
  original: TaskMessage,
  plan: RetryPlan,
  delivered: { exchange: string; routingKey: string },
  origin: string,
  nowMs: number,
): { message: TaskMessage; target: PublishTarget } {
  const expiresMs = original.expires === null ? null : parseCeleryDate(original.expires);
  const message: TaskMessage = {
    ...original,
    args: plan.args,
    kwargs: plan.kwargs,
    argsrepr: plan.args === original.args ? original.argsrepr : argsRepr(plan.args),
    kwargsrepr: plan.kwargs === original.kwargs ? original.kwargsrepr : kwargsRepr(plan.kwargs),
    retries: plan.retries,
    eta: formatEtaHeader(plan.etaMs),
    parentId: original.id,
    rootId: original.rootId,
    origin,
    priority: plan.priority ?? original.priority,
    timelimit: [plan.timeLimit ?? original.timelimit[0], plan.softTimeLimit ?? original.timelimit[1]],
    extraHeaders: plan.headers ? { ...original.extraHeaders, ...plan.headers } : original.extraHeaders,
    // Leaked properties of the first send (kombu envelope fields among them) are not resent;
    // only the per-message TTL is, recomputed for now.
    extraProperties: expiresMs === null ? undefined : { expiration: String(Math.max(0, Math.trunc(expiresMs - nowMs))) },
  };
  return { message, target: retryTarget(plan, delivered) };
}

/** Celery's rule: an explicit queue; else a message sent to the anonymous exchange goes back to its routing key as queue; else the same exchange and routing key. */
function retryTarget(plan: RetryPlan, delivered: { exchange: string; routingKey: string }): PublishTarget {
  if (plan.queue !== undefined) return { queue: plan.queue };
  if (plan.exchange !== undefined) return { exchange: plan.exchange, routingKey: plan.routingKey ?? delivered.routingKey };
  if (delivered.exchange === '' && delivered.routingKey !== '') return { queue: delivered.routingKey };
  return { exchange: delivered.exchange, routingKey: plan.routingKey ?? delivered.routingKey };
}
