// The threads/processes engine on fake executors and a fake clock: no thread or process is
// started, the test answers calls itself and moves time past limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimeLimitExceeded } from '../../errors.js';
import { LazyAbortController } from '../../internal/lazy-abort-controller.js';
import { silentLogger } from '../../internal/logger.js';
import { FakeClock } from '../../testing/fake-clock.js';
import type { RegisteredTask } from '../../app/task-types.js';
import type { ExecutorChannel } from './executor-channel.js';
import type { FromExecutor, ToExecutor } from './executor-protocol.js';
import { ExecutorPool } from './executor-pool.js';
import type { CallOutcome, TaskCall } from './pool.js';

/** A fake executor: ready at once; calls wait until the test answers them. */
class FakeExecutor implements ExecutorChannel {
  static nextId = 1;
  readonly id = FakeExecutor.nextId++;
  readonly calls: Array<Extract<ToExecutor, { type: 'call' }>> = [];
  killed = false;
  private onMsg: (m: FromExecutor) => void = () => {};
  private onExitFn: (how: string) => void = () => {};
  exited = false;

  constructor(private readonly all: FakeExecutor[]) {
    all.push(this);
    queueMicrotask(() => this.onMsg({ type: 'ready' }));
  }
  send(m: ToExecutor): void {
    if (m.type === 'call') this.calls.push(m);
    if (m.type === 'stop') this.exit('exit code 0');
  }
  onMessage(h: (m: FromExecutor) => void): void {
    this.onMsg = h;
  }
  onExit(h: (how: string) => void): void {
    this.onExitFn = h;
  }
  kill(): void {
    this.killed = true;
    this.exit('signal SIGKILL');
  }
  /** Answer the pending call with `value`, reporting `memoryBytes`. */
  answer(value: unknown, memoryBytes = 0): void {
    const call = this.calls.shift()!;
    this.onMsg({ type: 'outcome', seq: call.seq, outcome: { ok: true, value }, memoryBytes });
  }
  private exit(how: string): void {
    if (this.exited) return;
    this.exited = true;
    queueMicrotask(() => this.onExitFn(how));
  }
}

const task: RegisteredTask = { name: 't.x', options: { name: 't.x' }, fn: () => null };

function taskCall(): TaskCall {
  return {
    task,
    id: 'id',
    rootId: 'id',
    args: [],
    kwargs: {},
    context: () => assert.fail('not in this process'),
    request: () => ({}) as ReturnType<TaskCall['request']>,
  };
}

function setup(o: { concurrency?: number; maxTasksPerChild?: number; maxMemoryPerChildBytes?: number } = {}) {
  const executors: FakeExecutor[] = [];
  const clock = new FakeClock();
  const pool = new ExecutorPool({
    kind: 'threads',
    concurrency: o.concurrency ?? 1,
    spawn: () => new FakeExecutor(executors),
    init: { bootstrap: { app: 'x', cwd: '/' }, hostname: 'h', queues: ['q'], concurrency: 1, logging: null },
    clock,
    log: silentLogger(),
    maxTasksPerChild: o.maxTasksPerChild ?? null,
    maxMemoryPerChildBytes: o.maxMemoryPerChildBytes ?? null,
  });
  const run = (limits: { timeLimitMs?: number; terminate?: LazyAbortController } = {}): Promise<CallOutcome> =>
    pool.run(async (slot) =>
      slot.call(taskCall(), { abort: new AbortController(), timeLimitMs: limits.timeLimitMs ?? null, softTimeLimitMs: null, terminate: limits.terminate }),
    );
  return { pool, executors, clock, run };
}

/** Lets queued microtasks and promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

test('the hard limit (fake clock) kills the executor, fails the call and starts a replacement', async () => {
  const { pool, executors, clock, run } = setup();
  await pool.start();
  const outcome = run({ timeLimitMs: 30_000 });
  await settle();
  assert.equal(executors[0]!.calls.length, 1);
  clock.advance(29_999);
  await settle();
  assert.equal(executors[0]!.killed, false);
  clock.advance(1);
  const out = await outcome;
  assert.ok(!out.ok && out.error instanceof TimeLimitExceeded);
  assert.equal(executors[0]!.killed, true);
  await settle();
  assert.equal(executors.length, 2, 'a replacement was started');
  assert.equal(pool.size, 1);
  assert.equal(pool.stats.killed, 1);
});

test('recycles after maxTasksPerChild and past maxMemoryPerChild, keeping one executor per slot', async () => {
  const { pool, executors, run } = setup({ maxTasksPerChild: 2, maxMemoryPerChildBytes: 1000 });
  await pool.start();
  for (const [i, memory] of [[1, 10], [2, 10], [3, 5000]] as const) {
    const out = run();
    await settle();
    executors.at(-1)!.answer(i, memory);
    assert.deepEqual(await out, { ok: true, value: i });
    await settle();
  }
  assert.equal(pool.stats.recycled, 2, 'after 2 tasks, then over the memory mark');
  assert.equal(executors.length, 3);
  assert.equal(pool.size, 1);
});

test('shrinking retires idle executors down to the new size, no further', async () => {
  const { pool, executors, run } = setup({ concurrency: 3 });
  await pool.start();
  const outs = [run(), run(), run()];
  await settle();
  pool.resize(2);
  for (const e of executors) e.answer('done');
  await Promise.all(outs);
  await settle();
  assert.equal(pool.size, 2);
  pool.resize(1);
  await settle();
  assert.equal(pool.size, 1);
});
