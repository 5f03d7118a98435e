// task_always_eager and Task.apply: the task runs in the calling process, handlers and retries
// included, and the result handle reads what it did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Celery, TaskFailedError, type SettingsInput } from 'celeriac';
import { silentLogger } from '../../src/internal/logger.js';

class Flaky extends Error {
  override name = 'Flaky';
}

function makeApp(settings: SettingsInput = {}) {
  const app = new Celery('eager', { broker_url: 'memory://', task_always_eager: true, ...settings }, { logger: silentLogger() });
  const seen: string[] = [];
  const add = app.task({ name: 'tasks.add', onSuccess: (retval) => void seen.push(`onSuccess ${String(retval)}`) }, (x: number, y: number) => x + y);
  const flaky = app.task({ name: 'tasks.flaky', bind: true, maxRetries: 5 }, (ctx) => {
    seen.push(`run ${ctx.request.retries}`);
    if (ctx.request.retries < 2) ctx.retry({ exc: new Flaky('not yet'), countdown: 3600 });
    return ctx.request.retries;
  });
  const auto = app.task({ name: 'tasks.auto', autoretryFor: [Flaky], maxRetries: 2, retryBackoff: true }, () => {
    seen.push('auto');
    throw new Flaky('always');
  });
  return { app, seen, add, flaky, auto };
}

test('delay runs the task at once; the handle reads its result and the hooks ran', async () => {
  const { app, seen, add } = makeApp();
  const r = await add.delay(2, 3);
  assert.equal(await r.get(), 5);
  assert.equal(await r.state, 'SUCCESS');
  assert.deepEqual(seen, ['onSuccess 5']);
  await app.close();
});

test('a retry runs again at once (the countdown is not waited for) until it succeeds', async () => {
  const { app, seen, flaky } = makeApp();
  const r = await flaky.delay();
  assert.equal(await r.get(), 2);
  assert.deepEqual(seen, ['run 0', 'run 1', 'run 2']);
  await app.close();
});

test('a failure is stored FAILURE; with task_eager_propagates it is thrown to the caller', async () => {
  const { app, seen, auto } = makeApp();
  const r = await auto.delay();
  assert.equal(await r.state, 'FAILURE');
  await assert.rejects(r.get(), (err: unknown) => err instanceof TaskFailedError && err.excType === 'Flaky');
  assert.deepEqual(seen, ['auto', 'auto', 'auto'], 'autoretryFor: 1 run + maxRetries 2');
  await app.close();

  const strict = makeApp({ task_eager_propagates: true });
  await assert.rejects(strict.auto.delay(), { name: 'Flaky', message: 'always' });
  await strict.app.close();
});

test('task_store_eager_result puts the result in the result backend; otherwise it is not there', async () => {
  const stored = makeApp({ task_store_eager_result: true });
  const r = await stored.add.delay(1, 1);
  assert.equal(await stored.app.asyncResult(r.id).state, 'SUCCESS');
  await stored.app.close();

  const kept = makeApp();
  const r2 = await kept.add.delay(1, 1);
  assert.equal(await kept.app.asyncResult(r2.id).state, 'PENDING');
  assert.equal(await r2.get(), 2);
  await kept.app.close();
});

test('task.apply() runs eagerly even without task_always_eager', async () => {
  const { app, add } = makeApp({ task_always_eager: false });
  const r = await add.apply([4, 5]);
  assert.equal(await r.get(), 9);
  await app.close();
});
