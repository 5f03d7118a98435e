// Task bases and contexts: typing (checked by `tsc`: @ts-expect-error lines must stay errors)
// and what a context inherits at run time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../internal/logger.js';
import { Celery } from './celery.js';
import { defineTaskBase } from './task-base.js';
import { Retry } from './task-control.js';
import type { TaskContext } from './task-types.js';

function acceptsContext(_ctx: TaskContext): void {}

const app = new Celery('t', { broker_url: 'memory://' }, { logger: silentLogger() });

const Notifying = defineTaskBase({
  maxRetries: 5,
  sent: [] as string[],
  notify(text: string): void {
    this.sent.push(text);
  },
  onFailure(_exc, taskId) {
    // `this` is the context plus the base's members.
    const name: string = this.name;
    this.notify(`${name}[${taskId}]`);
    // @ts-expect-error -- not a member of the context or the base
    this.nothing();
  },
});

const bound = app.task({ name: 'tasks.bound', bind: true, base: Notifying }, (ctx, x: number) => {
  ctx.notify(`ran ${x}`);
  const retries: number = ctx.request.retries;
  return retries + x;
});

const hooked = app.task(
  {
    name: 'tasks.hooked',
    onSuccess(retval) {
      // `this` is the run's context.
      acceptsContext(this);
      void retval;
    },
  },
  (x: number) => x,
);

export function compileOnly(): void {
  // @ts-expect-error -- the base does not change the call signature
  void bound.delay('x');
  void hooked.delay(1);
  // @ts-expect-error -- base options are checked
  defineTaskBase({ maxRetries: 'three' });
  app.task({ name: 'tasks.plain_ctx', bind: true }, (ctx) => {
    // @ts-expect-error -- without a base, task options are not members of the context
    void ctx.maxRetries;
    return ctx.name;
  });
}

test('a bound task inherits its base: helpers on ctx, effective options, name', () => {
  Notifying.sent.length = 0;
  assert.equal(bound(2), 2);
  assert.deepEqual(Notifying.sent, ['ran 2']);
  assert.equal(bound.options.maxRetries, 5);
});

test('ctx.log is built on first read and carries the task name and id', () => {
  const seen: Array<{ name: string; log: unknown; again: unknown }> = [];
  const t = app.task({ name: 'tasks.logs', bind: true }, (ctx) => {
    seen.push({ name: ctx.name, log: ctx.log, again: ctx.log });
    return ctx.log.bindings();
  });
  const bindings = t() as { taskName: string; taskId: string };
  assert.equal(bindings.taskName, 'tasks.logs');
  assert.match(bindings.taskId, /^[0-9a-f-]{36}$/);
  assert.equal(seen[0]?.log, seen[0]?.again, 'built once per run');
});

test('ctx.retry() in a direct call rethrows the exc (no message to republish), as Celery', () => {
  const exc = new Error('flaky');
  const t = app.task({ name: 'tasks.direct_retry', bind: true }, (ctx, withExc: boolean) => ctx.retry(withExc ? { exc } : {}));
  assert.throws(() => t(true), (err: unknown) => err === exc);
  assert.throws(() => t(false), Retry);
});
