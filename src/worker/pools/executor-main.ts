/**
 * The program a pool thread or child process runs (started through `bin/pool-executor.js`,
 * which registers tsx first so TypeScript task modules load). It loads the worker's app from
 * its bootstrap — as Celery's prefork children import the app — sends `worker_process_init`,
 * then runs one call at a time and answers each with its outcome as data. The worker keeps the
 * broker connection for consuming, the acks and the results; a task that sends other tasks
 * publishes through this copy of the app.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import { bootstrapApp } from '../../app/app-bootstrap.js';
import type { Celery } from '../../app/celery.js';
import { resolveTask } from '../../app/task-definition.js';
import { createTaskContext } from '../../app/task-context.js';
import type { TaskContext } from '../../app/task-types.js';
import { EncodeError, NotRegisteredError, SoftTimeLimitExceeded } from '../../errors.js';
import type { ExecutorInit, FromExecutor, ToExecutor } from './executor-protocol.js';
import { invokeTask } from './invoke-task.js';
import { encodeError, encodeOutcome } from './outcome-codec.js';
import type { CallOutcome, TaskCall } from './pool.js';

interface Channel {
  readonly where: string;
  send(message: FromExecutor): void;
  onMessage(handler: (message: ToExecutor) => void): void;
  /** This executor's memory, compared with `worker_max_memory_per_child`. */
  memoryBytes(): number;
  exit(): void;
}

function channel(): { channel: Channel; init: ExecutorInit } {
  if (!isMainThread && parentPort) {
    const port = parentPort;
    return {
      init: workerData as ExecutorInit,
      channel: {
        where: 'pool thread',
        send: (m) => port.postMessage(m),
        onMessage: (h) => port.on('message', h),
        // Threads share the process's resident memory; their own V8 heap is what they can leak.
        memoryBytes: () => getHeapStatistics().used_heap_size,
        exit: () => process.exit(0),
      },
    };
  }
  if (!process.send) throw new Error('executor-main runs in a pool thread or a child process with an IPC channel');
  const send = process.send.bind(process);
  // Ctrl-C reaches the whole process group: the worker decides (warm shutdown lets this child
  // finish its task), as Celery's children ignore SIGINT. A child whose worker is gone exits.
  process.on('SIGINT', () => {});
  const orphaned = (): never => process.exit(1);
  process.once('disconnect', orphaned);
  return {
    init: JSON.parse(process.argv[2] ?? '{}') as ExecutorInit,
    channel: {
      where: 'pool child',
      send: (m) => send(m),
      onMessage: (h) => process.on('message', (m) => h(m as ToExecutor)),
      // Celery compares the child's peak resident set (ru_maxrss); maxRSS is in KiB.
      memoryBytes: () => process.resourceUsage().maxRSS * 1024,
      // Disconnecting flushes messages still queued for the worker; the timer ends what is left.
      exit: () => {
        process.off('disconnect', orphaned);
        if (process.connected) process.disconnect();
        setTimeout(() => process.exit(0), 100);
      },
    },
  };
}

const { channel: ch, init } = channel();
const running = new Map<number, AbortController>();

async function load(): Promise<Celery> {
  const app = await bootstrapApp(init.bootstrap);
  if (init.logging) app.setupLogging(init.logging);
  for (const task of app.tasks.values()) resolveTask(task, app);
  const processInit = app.signals.workerProcessInit;
  if (processInit.connected) {
    const worker = { hostname: init.hostname, queues: init.queues, concurrency: init.concurrency };
    await processInit.sendAndWait({ sender: init.hostname, worker });
  }
  return app;
}

async function run(app: Celery, message: Extract<ToExecutor, { type: 'call' }>): Promise<void> {
  const { seq, name, request } = message;
  const abort = new AbortController();
  running.set(seq, abort);
  let outcome: CallOutcome;
  const task = app.tasks.get(name);
  if (!task) {
    outcome = { ok: false, error: new NotRegisteredError(name) };
  } else {
    const proto = resolveTask(task, app).contextPrototype;
    let ctx: TaskContext | undefined;
    const call: TaskCall = {
      task,
      id: request.id,
      rootId: request.rootId,
      args: request.args,
      kwargs: request.kwargs,
      context: () => (ctx ??= createTaskContext(proto, request, abort.signal, app.log)),
      request: () => request,
    };
    outcome = await invokeTask(app, call);
  }
  running.delete(seq);
  const memoryBytes = ch.memoryBytes();
  try {
    ch.send({ type: 'outcome', seq, outcome: encodeOutcome(outcome), memoryBytes });
  } catch (err) {
    // The return value cannot cross (a function, a class with private state...): fail the task with why.
    const error = new EncodeError(`the return value of ${name} cannot be sent back from the ${ch.where}: ${(err as Error).message}`, { cause: err });
    ch.send({ type: 'outcome', seq, outcome: { ok: false, error: encodeError(error) }, memoryBytes });
  }
}

async function stop(app: Celery): Promise<void> {
  try {
    await app.close();
  } finally {
    ch.exit();
  }
}

try {
  const app = await load();
  ch.onMessage((message) => {
    switch (message.type) {
      case 'call':
        void run(app, message);
        break;
      case 'soft-limit': {
        const abort = running.get(message.seq);
        if (abort && !abort.signal.aborted) abort.abort(new SoftTimeLimitExceeded(message.limitSeconds));
        break;
      }
      case 'stop':
        void stop(app);
        break;
    }
  });
  ch.send({ type: 'ready' });
} catch (err) {
  ch.send({ type: 'init-failed', message: (err as Error)?.message ?? String(err) });
  ch.exit();
}
