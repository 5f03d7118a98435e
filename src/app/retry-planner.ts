/**
 * What a retry does, decided where the task asks for it (Celery's `Task.retry` and the
 * `autoretry_for` wrapper, celery/app/task.py and celery/app/autoretry.py): the retry count, the
 * ETA, the arguments, and whether retries have run out. Pure but for the clock value passed in.
 */
import { exponentialBackoffSeconds } from '../internal/backoff.js';
import { argsRepr, kwargsRepr } from '../protocol/python-repr.js';
import { Ignore, MaxRetriesExceededError, Reject, Retry } from './task-control.js';
import type { RetryOptions, TaskOptions, TaskRequest } from './task-types.js';

/** Celery's `Task.max_retries` default. */
export const DEFAULT_MAX_RETRIES = 3;
/** Celery's `Task.default_retry_delay`, seconds. */
export const DEFAULT_RETRY_DELAY_S = 180;
/** Celery's `Task.retry_backoff_max`, seconds. */
export const DEFAULT_RETRY_BACKOFF_MAX_S = 600;

/** The task and request a retry is planned for (a {@link TaskContext} is one). */
export interface RetrySubject {
  readonly name: string;
  readonly options: Readonly<TaskOptions>;
  readonly request: TaskRequest;
}

/**
 * The {@link Retry} to throw for `ctx.retry(o)` at time `nowMs`.
 * @throws `o.exc`, or MaxRetriesExceededError without one, when `request.retries + 1` exceeds
 *   the limit (`o.maxRetries` if given — null: none —, else the task's `maxRetries`, default 3).
 * @throws `o.exc` (or a plan-less Retry) when the task was called directly: there is no message
 *   to republish (Celery re-raises there too).
 */
export function planRetry(subject: RetrySubject, o: RetryOptions, nowMs: number): Retry {
  const request = subject.request;
  const exc = o.exc === null ? undefined : o.exc;
  if (request.calledDirectly) throw exc ?? new Retry({ countdown: o.countdown ?? null, eta: o.eta ?? null });
  const retries = request.retries + 1;
  const configured = subject.options.maxRetries;
  const maxRetries = o.maxRetries !== undefined ? o.maxRetries : configured === undefined ? DEFAULT_MAX_RETRIES : configured;
  const args = o.args ?? request.args;
  const kwargs = o.kwargs ?? request.kwargs;
  if (maxRetries !== null && retries > maxRetries) {
    if (exc !== undefined) throw exc;
    throw new MaxRetriesExceededError(`Can't retry ${subject.name}[${request.id}] args:${argsRepr(args)} kwargs:${kwargsRepr(kwargs)}`, args, kwargs);
  }
  // As apply_async: a countdown wins over an eta; neither means the default delay.
  let countdown: number | null = o.countdown ?? null;
  if (countdown === null && o.eta === undefined) countdown = subject.options.defaultRetryDelay ?? DEFAULT_RETRY_DELAY_S;
  const etaMs = countdown !== null ? nowMs + countdown * 1000 : o.eta!.getTime();
  return new Retry({
    exc,
    countdown,
    eta: new Date(etaMs),
    plan: {
      args,
      kwargs,
      retries,
      etaMs,
      queue: o.queue,
      exchange: o.exchange,
      routingKey: o.routingKey,
      priority: o.priority,
      headers: o.headers,
      timeLimit: o.timeLimit,
      softTimeLimit: o.softTimeLimit,
    },
  });
}

/** True for the values a task throws to steer the worker, which autoretry never retries. */
export function isTaskControl(err: unknown): boolean {
  return err instanceof Retry || err instanceof Reject || err instanceof Ignore;
}

/**
 * What to throw for `err` under the task's `autoretryFor`: `err` itself when it does not match
 * (or is a control value), else the planned Retry — with the back-off countdown when
 * `retryBackoff` is set, `retryKwargs` otherwise — or, when retries ran out, `err` again
 * (Celery re-raises `exc`).
 * @param random uniform in [0, 1), for the jitter.
 */
export function autoretryOutcome(subject: RetrySubject, err: unknown, nowMs: number, random: () => number): unknown {
  const o = subject.options;
  const classes = o.autoretryFor;
  if (!classes || classes.length === 0 || isTaskControl(err)) return err;
  if (!classes.some((cls) => err instanceof cls)) return err;
  const kw = o.retryKwargs;
  let countdown = kw?.countdown;
  if (o.retryBackoff) {
    countdown = exponentialBackoffSeconds({
      factorSeconds: o.retryBackoff === true ? 1 : o.retryBackoff,
      retries: subject.request.retries,
      maxSeconds: o.retryBackoffMax ?? DEFAULT_RETRY_BACKOFF_MAX_S,
      fullJitter: o.retryJitter ?? true,
      random,
    });
  }
  try {
    return planRetry(subject, { exc: err, countdown, maxRetries: kw?.maxRetries }, nowMs);
  } catch (thrown) {
    return thrown;
  }
}
