// How to test celeriac tasks: `celeriac/testing`'s TestWorker runs a worker in the test on the
// memory broker with a virtual clock, so a retry in 5 minutes or a reminder due tomorrow runs
// as soon as the test moves the clock — no broker, no sleeping. Run: npm test -- examples/testing
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { TaskFailedError } from 'celeriac';
import { TestWorker } from 'celeriac/testing';

// A fresh copy of the tasks module per test, so each test has its own app.
let tasks: typeof import('./tasks.js');
let tw: TestWorker;
beforeEach(async () => {
  tasks = (await import(`./tasks.ts?${Math.random()}`)) as typeof import('./tasks.js');
  tw = await TestWorker.start(tasks.app);
});
afterEach(() => tw.stop());

test('a charge that fails twice is retried every 5 minutes and then succeeds', async () => {
  let calls = 0;
  tasks.gateway.charge = (orderId) => (++calls <= 2 ? Promise.reject(new tasks.PaymentGatewayDown('503')) : Promise.resolve(`paid ${orderId}`));
  const r = await tasks.chargeOrder.delay('o-1', 1250);
  await tw.advance(300_000); // first retry
  await tw.advance(300_000); // second retry
  assert.equal(await tw.result(r), 'paid o-1');
  assert.equal(calls, 3);
});

test('after 3 retries the charge fails with the gateway error', async () => {
  const r = await tasks.chargeOrder.delay('o-2', 990);
  for (let i = 0; i < 3; i++) await tw.advance(300_000);
  await assert.rejects(tw.result(r), (err: unknown) => err instanceof TaskFailedError && err.excType === 'PaymentGatewayDown');
});

test('a reminder with a one-day countdown runs only once the day has passed', async () => {
  const r = await tasks.remind.applyAsync(['o-3'], {}, { countdown: 86_400 });
  await tw.advance(86_399_000);
  assert.equal(await r.state, 'PENDING');
  await tw.advance(1_000);
  assert.equal(await tw.result(r), 'reminded o-3');
});
