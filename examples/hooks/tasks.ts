// Seed 000's `base=BrokerTask` and seed 001's `MyHookTask`, in TypeScript: one shared base whose
// handlers log every outcome and persist failures to a file, used by several tasks.
//
//   class BrokerTask(Task):                     const BrokerTask = defineTaskBase({
//       max_retries = 3                            maxRetries: 3,
//       def on_failure(self, exc, task_id,         onFailure(exc, taskId, args, kwargs, einfo) {
//                      args, kwargs, einfo): ...     ...this.persistFailure(...) },
//
// Run it with `node --import tsx examples/hooks/run.ts`.
import { appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Celery, defineTaskBase, type TaskState } from 'celeriac';

export const app = new Celery('hooks', { broker_url: process.env.HOOKS_BROKER_URL ?? 'memory://' });

/** Where failures are persisted, one JSON object per line. */
export const failuresFile = process.env.HOOKS_FAILURES_FILE ?? join(tmpdir(), 'celeriac-hooks-failures.jsonl');

/** What the handlers saw, per task id, for run.ts to print. */
export const hookLog = new Map<string, string[]>();

function saw(taskId: string, what: string): void {
  hookLog.set(taskId, [...(hookLog.get(taskId) ?? []), what]);
}

class ZeroDivisionError extends Error {
  override name = 'ZeroDivisionError';
}

class QuoteServiceDown extends Error {
  override name = 'QuoteServiceDown';
}

/**
 * The shared base: defaults (`maxRetries`, `defaultRetryDelay`) and the four handlers. Inside them
 * `this` is the running task's context (`this.name`, `this.request`, `this.log`, `this.app`)
 * plus this object's own members, such as `persistFailure`.
 */
export const BrokerTask = defineTaskBase({
  maxRetries: 3,
  defaultRetryDelay: 1,

  persistFailure(record: Record<string, unknown>): void {
    appendFileSync(failuresFile, `${JSON.stringify(record)}\n`);
  },

  beforeStart(taskId) {
    saw(taskId, 'beforeStart');
  },
  onSuccess(retval, taskId) {
    saw(taskId, 'onSuccess');
    this.log.info(`${this.name}[${taskId}] succeeded: ${JSON.stringify(retval)}`);
  },
  onRetry(exc, taskId) {
    saw(taskId, `onRetry(${(exc as Error).message})`);
    this.log.warn(`${this.name}[${taskId}] will retry (attempt ${this.request.retries + 1}): ${String(exc)}`);
  },
  onFailure(exc, taskId, args, kwargs, einfo) {
    saw(taskId, 'onFailure');
    this.log.error({ err: exc }, `${this.name}[${taskId}] failed`);
    this.persistFailure({
      task: this.name,
      id: taskId,
      args,
      kwargs,
      exc: `${einfo.serialized.exc_type}: ${einfo.serialized.exc_message.join(', ')}`,
      retries: this.request.retries,
    });
  },
  afterReturn(status: TaskState, _retval, taskId) {
    saw(taskId, `afterReturn(${status})`);
  },
});

export const divide = app.task({ name: 'tasks.divide', base: BrokerTask }, (x: number, y: number) => {
  if (y === 0) throw new ZeroDivisionError('division by zero');
  return x / y;
});

/** Fails twice (a flaky remote service), then answers: retried by `ctx.retry` every 0.05 s. */
let quoteCalls = 0;
export const fetchQuote = app.task({ name: 'tasks.fetch_quote', bind: true, base: BrokerTask }, (ctx, symbol: string) => {
  quoteCalls++;
  if (quoteCalls <= 2) ctx.retry({ exc: new QuoteServiceDown(`quote service down (call ${quoteCalls})`), countdown: 0.05 });
  return `${symbol}: 42.00 after ${ctx.request.retries} retries`;
});

/** Automatic retries (`autoretryFor`) run out: the last error is the failure, persisted by the base. */
export const alwaysDown = app.task(
  { name: 'tasks.always_down', base: BrokerTask, autoretryFor: [QuoteServiceDown], retryKwargs: { countdown: 0.02 }, maxRetries: 1 },
  (): string => {
    throw new QuoteServiceDown('still down');
  },
);
