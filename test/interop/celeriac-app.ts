// celeriac side of the interop tests: the same task names and behaviour as
// test/interop/python/interop_tasks.py, so either kind of worker can run what the other sends.
// Broker and backend come from the environment, as on the Python side:
//   INTEROP_BROKER_URL, INTEROP_RESULT_BACKEND (default: the broker), INTEROP_RECORD_FILE.
// Tasks declare `params` so Python keyword arguments land on their positions, as in Python.
// Run a worker with: celeriac worker -A test/interop/celeriac-app.ts -Q celery -n ts@%h
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { Celery, type TaskContext } from 'celeriac';

const brokerUrl = process.env.INTEROP_BROKER_URL ?? 'redis://127.0.0.1:6379/15';

export const app = new Celery('interop', {
  broker_url: brokerUrl,
  result_backend: process.env.INTEROP_RESULT_BACKEND ?? brokerUrl,
  result_expires: 3600,
  accept_content: ['json', 'msgpack'],
});

/**
 * Python's `ValueError` as celeriac serializes errors: the name and `excModule: 'builtins'` make
 * a Python client raise the builtin `ValueError`.
 */
class ValueError extends Error {
  override name = 'ValueError';
  readonly excModule = 'builtins';
}

export const add = app.task({ name: 'tasks.add', params: ['x', 'y'] }, (x: number, y: number) => x + y);
export const mul = app.task({ name: 'tasks.mul', params: ['x', 'y'] }, (x: number, y: number) => x * y);
export const xsum = app.task({ name: 'tasks.xsum', params: ['numbers'] }, (numbers: number[]) => numbers.reduce((a, b) => a + b, 0));

/**
 * Returns what arrived, in the shape the Python echo returns: args, kwargs, the request fields
 * (every header, custom ones included, plus delivery info) with Celery's names, and when it ran
 * (unix seconds).
 */
export const echo = app.task({ name: 'tasks.echo', bind: true }, (ctx: TaskContext, ..._args: unknown[]) => {
  const r = ctx.request;
  return {
    args: r.args,
    kwargs: r.kwargs,
    request: {
      ...r.headers,
      id: r.id,
      task: r.task,
      retries: r.retries,
      eta: r.eta,
      expires: r.expires,
      hostname: r.hostname,
      correlation_id: r.correlationId,
      parent_id: r.parentId,
      root_id: r.rootId,
      group: r.group,
      group_index: r.groupIndex,
      delivery_info: {
        exchange: r.deliveryInfo.exchange,
        routing_key: r.deliveryInfo.routingKey,
        priority: r.deliveryInfo.priority,
        redelivered: r.deliveryInfo.redelivered,
      },
    },
    worker: 'celeriac',
    ran_at: Date.now() / 1000,
  };
});

/** Length in code points (Python's `len`) and SHA-256 of the UTF-8 bytes. */
export const digest = app.task({ name: 'tasks.digest', params: ['text'] }, (text: string) => {
  let length = 0;
  for (const _ of text) length++;
  return { length, sha256: createHash('sha256').update(text, 'utf8').digest('hex') };
});

export const fail = app.task({ name: 'tasks.fail', params: ['message'] }, (message: string) => {
  throw new ValueError(message);
});

/** What a task context offers for retrying, once celeriac has it (`ctx.retry`, issue 4). */
type RetryingContext = TaskContext & { retry?: (options: { countdown: number }) => unknown };

/** Raised while celeriac has no `ctx.retry`: the retry test reads it as "skip". */
class RetryUnavailable extends Error {
  override name = 'RetryUnavailable';
}

export const retryOnce = app.task({ name: 'tasks.retry_once', bind: true, params: ['value'] }, (ctx: RetryingContext, value: unknown) => {
  if (ctx.request.retries < 1) {
    if (typeof ctx.retry !== 'function') throw new RetryUnavailable('celeriac tasks have no ctx.retry yet');
    // Celery's `raise self.retry(...)`: whether retry throws or returns the signal, it ends here.
    throw ctx.retry({ countdown: 1 });
  }
  return { value, retries: ctx.request.retries, worker: 'celeriac' };
});

/** Appends `<token> celeriac <pid>` to INTEROP_RECORD_FILE: a task that ran twice shows twice. */
export const record = app.task({ name: 'tasks.record', params: ['token'] }, (token: string) => {
  appendFileSync(process.env.INTEROP_RECORD_FILE!, `${token} celeriac ${process.pid}\n`);
  return token;
});

/** A synchronous loop that never ends: only a hard time limit (a killed thread or child) stops it. */
export const spin = app.task('tasks.spin', () => {
  for (;;) {
    // spin
  }
});

/**
 * Sleeps up to `seconds` but gives up when its signal aborts, rethrowing the reason — the soft
 * time limit arrives as SoftTimeLimitExceeded, as it does inside Python's `time.sleep`.
 */
export const politeSleep = app.task({ name: 'tasks.polite_sleep', bind: true, params: ['seconds'] }, async (ctx: TaskContext, seconds: number) => {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, seconds * 1000);
    ctx.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(ctx.signal.reason as Error);
    });
  });
  return seconds;
});
