/**
 * The threads and processes pools (Celery's prefork, `-P threads` / `-P processes`): one
 * executor — a worker_thread or a child process with its own copy of the app — per slot, each
 * running one task function at a time. Beyond Celery's prefork, the hard time limit and
 * `terminate` end a call by terminating its thread or killing its child (SIGKILL), which stops
 * even a synchronous `while (true) {}`; the executor is replaced.
 *
 * Recycling (the seeds' advice against leaks): after `maxTasksPerChild` calls, or when the
 * executor's memory after a call exceeds `maxMemoryPerChildBytes` (a child's peak resident set,
 * as Celery; a thread's V8 heap), the executor is stopped and a fresh one started.
 */
import type { Logger } from '../../internal/logger.js';
import type { Clock } from '../../internal/clock.js';
import { WorkerLostError } from '../../errors.js';
import { Executor } from './executor.js';
import type { SpawnExecutor } from './executor-channel.js';
import type { ExecutorInit } from './executor-protocol.js';
import { decodeOutcome } from './outcome-codec.js';
import type { CallOptions, CallOutcome, TaskCall } from './pool.js';
import { SlotPool } from './slot-pool.js';

/** How long a stopping executor may take to close its app before it is killed. */
const STOP_GRACE_MS = 10_000;

export interface ExecutorPoolOptions {
  kind: 'threads' | 'processes';
  concurrency: number;
  spawn: SpawnExecutor;
  init: ExecutorInit;
  clock: Clock;
  log: Logger;
  /** Replace an executor after this many calls (Celery's `worker_max_tasks_per_child`); null: never. */
  maxTasksPerChild: number | null;
  /** Replace an executor whose memory after a call exceeds this (Celery's `worker_max_memory_per_child`, KiB there); null: never. */
  maxMemoryPerChildBytes: number | null;
}

export class ExecutorPool extends SlotPool {
  readonly kind: 'threads' | 'processes';
  private readonly what: string;
  private readonly idle: Executor[] = [];
  /** Asked to stop or killed, not yet exited: not counted as the pool's executors any more. */
  private readonly retiring = new Set<Executor>();
  private readonly all = new Set<Executor>();
  private startPromise: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly o: ExecutorPoolOptions) {
    super(o.concurrency, o.clock);
    this.kind = o.kind;
    this.what = o.kind === 'threads' ? 'pool thread' : 'pool child';
  }

  /** Executors alive now (running, idle or starting). */
  get size(): number {
    return this.all.size;
  }

  start(): Promise<void> {
    this.startPromise ??= (async () => {
      const started = await Promise.allSettled(Array.from({ length: this.gate.size }, () => this.spawn()));
      for (const s of started) if (s.status === 'fulfilled') this.idle.push(s.value);
      const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) {
        await Promise.all([...this.all].map((e) => e.kill()));
        this.idle.length = 0;
        throw failed.reason;
      }
    })();
    return this.startPromise;
  }

  resize(concurrency: number): void {
    this.gate.resize(concurrency);
    while (this.live > concurrency && this.idle.length > 0) void this.retire(this.idle.pop()!);
  }

  /** Start one executor and wait until it has loaded the app. */
  private async spawn(): Promise<Executor> {
    const executor = new Executor(this.o.spawn(this.o.init), this.what);
    this.all.add(executor);
    this.stats.spawned++;
    void executor.exited.then(() => {
      this.all.delete(executor);
      this.retiring.delete(executor);
      const at = this.idle.indexOf(executor);
      if (at !== -1) this.idle.splice(at, 1);
    });
    try {
      await executor.ready;
    } catch (err) {
      await executor.kill();
      throw err;
    }
    return executor;
  }

  /** Executors that will take calls: started or starting, not retiring. */
  private get live(): number {
    return this.all.size - this.retiring.size;
  }

  /** Stop it (`kill`: at once) and stop counting it. */
  private retire(executor: Executor, kill = false): Promise<string> {
    this.retiring.add(executor);
    return kill ? executor.kill() : executor.stop(STOP_GRACE_MS);
  }

  private acquire(): Promise<Executor> {
    const idle = this.idle.pop();
    return idle ? Promise.resolve(idle) : this.spawn();
  }

  /** Keep one executor per slot warm after one ended, so the next task does not wait for a start. */
  private replenish(): void {
    if (this.stopped || this.live >= this.gate.size) return;
    this.spawn().then(
      (executor) => this.release(executor, false),
      (err: unknown) => this.o.log.error({ err }, `could not start a replacement ${this.what}`),
    );
  }

  /** Back to idle, or stopped when the pool shrank, stopped, or `recycle` says so. */
  private release(executor: Executor, recycle: boolean): void {
    if (executor.gone) return;
    if (recycle) this.stats.recycled++;
    if (recycle || this.stopped || this.live > this.gate.size) {
      void this.retire(executor).then(() => this.replenish());
      return;
    }
    this.idle.push(executor);
  }

  private needsRecycling(executor: Executor, memoryBytes: number): boolean {
    const { maxTasksPerChild, maxMemoryPerChildBytes } = this.o;
    if (maxTasksPerChild !== null && executor.tasksRun >= maxTasksPerChild) return true;
    if (maxMemoryPerChildBytes !== null && memoryBytes > maxMemoryPerChildBytes) {
      this.o.log.warn(
        `${executor.describe()} uses ${Math.round(memoryBytes / 1024)} KiB, over worker_max_memory_per_child (${Math.round(maxMemoryPerChildBytes / 1024)} KiB): replacing it`,
      );
      return true;
    }
    return false;
  }

  protected async call(call: TaskCall, options: CallOptions): Promise<CallOutcome> {
    if (this.coldReason) throw this.coldReason;
    if (options.terminate?.aborted) {
      options.abort.abort(options.terminate.reason);
      return { ok: false, error: options.terminate.reason };
    }
    let executor: Executor;
    try {
      executor = await this.acquire();
    } catch (err) {
      return { ok: false, error: new WorkerLostError(`could not start a ${this.what}: ${(err as Error).message}`) };
    }
    return this.watched(options, {
      onSoft: (reason) => executor.softLimit(reason.limitSeconds),
      onEnd: () => {
        this.stats.killed++;
        void this.retire(executor, true).then(() => this.replenish());
      },
      start: (w) =>
        void executor.call(call.task.name, call.request()).then(
          (answer) => {
            if (!w.finish(decodeOutcome(answer.outcome))) return;
            executor.tasksRun++;
            this.release(executor, this.needsRecycling(executor, answer.memoryBytes));
          },
          (error: unknown) => {
            if (!w.finish({ ok: false, error })) return;
            this.stats.lost++;
            this.o.log.error(`${executor.describe()} ended while running ${call.task.name}[${call.id}]: ${(error as Error).message}`);
            this.replenish();
          },
        ),
    });
  }

  async stop(options: { graceful: boolean }): Promise<void> {
    this.stopped = true;
    this.close(options.graceful);
    if (options.graceful) {
      await this.gate.drained();
      await Promise.all([...this.all].map((e) => e.stop(STOP_GRACE_MS)));
      return;
    }
    await Promise.all([...this.all].map((e) => e.kill()));
    await this.gate.drained();
  }
}
