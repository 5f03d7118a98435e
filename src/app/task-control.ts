/**
 * Values a task throws to tell the worker what to do instead of storing a result, and the error
 * of a task that ran out of retries. Mirrors `celery.exceptions.Retry`, `Reject`, `Ignore` and
 * `MaxRetriesExceededError`. Like Celery's, they are errors, so a task's own `try/catch` can see
 * them: rethrow what you did not mean to catch.
 */
import { inspect } from 'node:util';
import { CeleriacError } from '../errors.js';

/** What a retry republishes (computed by `ctx.retry()`; see `retry-planner.ts`). */
export interface RetryPlan extends RetryOverrides {
  /** Positional arguments of the republished message. */
  args: unknown[];
  kwargs: Record<string, unknown>;
  /** The `retries` header of the republished message (the current one + 1). */
  retries: number;
  /** When the retry may run, ms since the epoch (the message's `eta`). */
  etaMs: number;
}

/**
 * What a retry may change about the message it republishes (Celery's `Task.retry` options);
 * every field defaults to what the original message had.
 */
export interface RetryOverrides {
  /** Send the retry to this queue (default: the queue it came from). */
  queue?: string;
  /** Send the retry through this exchange with `routingKey` (default: as it came). */
  exchange?: string;
  routingKey?: string;
  /** 0..9 (default: the priority it was delivered with). */
  priority?: number;
  /** Extra headers merged over the original message's. */
  headers?: Record<string, unknown>;
  /** Hard / soft time limits in **seconds** (the `timelimit` header; default: the message's). */
  timeLimit?: number;
  softTimeLimit?: number;
}

/** How {@link Retry} is built. */
export interface RetryInit {
  /** Why the task retries (Celery's `exc`): stored as the RETRY result and given to `onRetry`. */
  exc?: unknown;
  /** Delay in **seconds** that was asked for (Celery's unit), or null when an ETA was given. */
  countdown?: number | null;
  /** When the retry runs. */
  eta?: Date | null;
  /** What to republish; without it nothing is sent (a task that re-sent itself and only reports RETRY). */
  plan?: RetryPlan;
}

/**
 * Thrown by `ctx.retry()` (Celery's `Retry`): the worker stores RETRY with `exc` as the result,
 * republishes the task (same id, `retries + 1`, `eta`) and stores nothing else for this run.
 * A task may also `throw new Retry({ exc })` after sending the retry itself: then RETRY is
 * stored and nothing is republished, as in Celery.
 */
export class Retry extends CeleriacError {
  /** Python reads this back as `celery.exceptions.Retry`. */
  readonly excModule = 'celery.exceptions';
  /** The reason (Celery's `Retry.exc`), or undefined. */
  readonly exc: unknown;
  /** Delay in **seconds**, when the retry was asked for with a countdown. */
  readonly countdown: number | null;
  /** When the retry runs, or null when unknown (a bare `new Retry()`). */
  readonly eta: Date | null;
  /** What the worker republishes. */
  readonly plan: RetryPlan | undefined;

  constructor(init: RetryInit = {}) {
    super('TASK_RETRY', retryMessage(init), init.exc === undefined ? undefined : { cause: init.exc });
    this.exc = init.exc;
    this.countdown = init.countdown ?? null;
    this.eta = init.eta ?? null;
    this.plan = init.plan;
  }
}

function retryMessage(init: RetryInit): string {
  const when =
    init.countdown !== undefined && init.countdown !== null
      ? `Retry in ${init.countdown}s`
      : init.eta
        ? `Retry at ${init.eta.toISOString()}`
        : 'Retry';
  if (init.exc === undefined) return when;
  const exc = init.exc;
  const text = exc instanceof Error ? `${exc.name}(${JSON.stringify(exc.message)})` : inspect(exc, { depth: 1, breakLength: Infinity });
  return `${when}: ${text}`;
}

/**
 * Throw from a task to reject its message (Celery's `Reject`): nothing is stored; with
 * `requeue: true` the message goes back to its queue, otherwise it becomes a dead letter with
 * this error's message as the reason (where Celery drops it or hands it to RabbitMQ's
 * dead-letter exchange). As in Celery this acts on the message only when the task acks late
 * (`acksLate: true`); an early-acked message is already gone.
 * @example throw new Reject('payload is not valid JSON', { requeue: false })
 */
export class Reject extends CeleriacError {
  /** Put the message back on its queue (true) or dead-letter it (false, the default). */
  readonly requeue: boolean;
  constructor(reason = 'rejected', options: { requeue?: boolean } = {}) {
    super('TASK_REJECT', reason);
    this.requeue = options.requeue ?? false;
  }
}

/**
 * Throw from a task to end it without a result (Celery's `Ignore`): nothing is stored, the
 * message is acknowledged, no success or failure handler runs.
 */
export class Ignore extends CeleriacError {
  constructor(reason = 'ignored') {
    super('TASK_IGNORE', reason);
  }
}

/**
 * `ctx.retry()` was called past `maxRetries` without an `exc` to rethrow (Celery's
 * `MaxRetriesExceededError`); the task then ends in FAILURE with this error, which a Python
 * client reads back as `celery.exceptions.MaxRetriesExceededError`.
 */
export class MaxRetriesExceededError extends CeleriacError {
  readonly excModule = 'celery.exceptions';
  constructor(
    message: string,
    /** Arguments the retry would have been sent with. */
    readonly taskArgs: unknown[],
    readonly taskKwargs: Record<string, unknown>,
  ) {
    super('MAX_RETRIES_EXCEEDED', message);
  }
}
