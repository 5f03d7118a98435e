/**
 * The worker: consumes task messages from its queues, runs them in a pool and stores their
 * outcomes (Celery's `celery.worker.WorkController` + consumer). Bad messages are dead-lettered
 * with the reason and the worker keeps going.
 *
 * Shutdown as Celery: `stop({ graceful: true })` (warm, first SIGTERM/SIGINT) stops consuming,
 * lets running tasks finish, returns prefetched and ETA-held messages to the queue and flushes
 * acks and results; `stop({ graceful: false })` (cold, second signal) aborts running tasks.
 */
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import type { AppBootstrap } from '../app/app-bootstrap.js';
import type { Celery } from '../app/celery.js';
import { QueueRegistry } from '../app/queue-registry.js';
import type { WorkerInfo } from '../app/signals/signal-payloads.js';
import { resolveTask } from '../app/task-definition.js';
import type { ResultBackend } from '../backends/backend.js';
import { CeleriacError, ContentDisallowedError, DecodeError, TaskRevokedError } from '../errors.js';
import { EntryList } from '../internal/entry-list.js';
import { LazyAbortController } from '../internal/lazy-abort-controller.js';
import type { Logger } from '../internal/logger.js';
import { decodeTaskMessage } from '../protocol/task-codec.js';
import type { TaskState } from '../protocol/task-state.js';
import type { Delivery, Transport } from '../transports/transport.js';
import { EtaScheduler } from './eta-scheduler.js';
import { createWorkerRateLimiter, type RateLimiter } from './rate-limiter.js';
import { expandNodename } from './nodename.js';
import { Autoscaler } from './autoscaler.js';
import { PoolStoppedError, type Pool, type PoolKind, type PoolStats } from './pools/pool.js';
import { createWorkerPool } from './worker-pool-options.js';
import { Request } from './request.js';
import { TaskRunner, type RunOutcome } from './task-runner.js';
import { WorkerControl } from './worker-control.js';
import { connectBroker, withStartupRetry } from './broker-startup.js';
import { InflightWork } from './inflight-work.js';
import { UnrunTasks } from './unrun-tasks.js';

export interface WorkerOptions {
  /**
   * Queues to consume (Celery's `-Q`); default every queue of `task_queues`, or
   * `[task_default_queue]` without it. A name not in `task_queues` is created as a direct queue
   * unless `task_create_missing_queues` is off, which makes `start()` throw `QUEUE_NOT_FOUND`.
   */
  queues?: string[];
  /** Tasks run at once (Celery's `-c`); default `worker_concurrency`, else the number of CPUs. */
  concurrency?: number;
  /** Prefetch = concurrency × this (Celery's `worker_prefetch_multiplier`, default 4). */
  prefetchMultiplier?: number;
  /** Node name pattern (Celery's `-n`, `%h %n %d`); default `celery@%h`. */
  hostname?: string;
  /** Pool kind (Celery's `-P`): `async` (default: `worker_pool`), `threads` or `processes`. */
  pool?: PoolKind;
  /**
   * The app's module (`-A` value, or a full {@link AppBootstrap}), which each pool thread or child
   * loads; required for the `threads` and `processes` pools. The CLI passes it.
   */
  appModule?: string | AppBootstrap;
  /** Replace a pool thread or child after this many tasks (`--max-tasks-per-child`); default `worker_max_tasks_per_child`. */
  maxTasksPerChild?: number | null;
  /** Replace a pool thread or child whose memory exceeds this many **bytes** (`--max-memory-per-child` is KiB); default `worker_max_memory_per_child`. */
  maxMemoryPerChildBytes?: number | null;
  /** Grow the pool up to `max` slots while tasks wait and shrink it back to `min` when idle (`--autoscale max,min`). */
  autoscale?: { max: number; min: number };
  /** Logging the pool threads and children set up (`-l`, `--logfile`); default: the app's own. */
  childLogging?: { loglevel: string; logfile?: string; format?: 'celery' | 'json' };
  logger?: Logger;
}

/** Counters since start (Celery's `inspect stats` `total`). */
export interface WorkerStats {
  received: number;
  succeeded: number;
  failed: number;
  revoked: number;
  deadLettered: number;
  /** Runs that ended in a retry (RETRY stored, the task republished). */
  retried: number;
  /** Runs that threw Reject. */
  rejected: number;
  /** Runs that threw Ignore. */
  ignored: number;
}

/** Events a worker emits in-process (tests, the CLI and embedding code listen to them). */
export interface WorkerEvents {
  /**
   * A task's message is done here: SUCCESS, FAILURE, REVOKED, or REJECTED / IGNORED (the task
   * threw Reject / Ignore; a requeued message may run again).
   */
  'task-done': [taskId: string, state: TaskState];
  /** A run ended in RETRY: the state is stored and the retry published (`retries` = its header). */
  'task-retried': [taskId: string, retries: number];
  /** A message was dead-lettered (after it is stored). */
  'dead-letter': [reason: string, queue: string];
  /** A `revoke` command was handled: `ids` are flagged, `terminated` (among them) were running and ended. */
  revoke: [ids: string[], terminated: string[]];
}

export class Worker extends EventEmitter<WorkerEvents> implements WorkerInfo {
  readonly hostname: string;
  readonly queues: string[];
  readonly concurrency: number;
  readonly prefetchCount: number;
  readonly stats: WorkerStats = { received: 0, succeeded: 0, failed: 0, revoked: 0, deadLettered: 0, retried: 0, rejected: 0, ignored: 0 };
  private readonly log: Logger;
  private readonly pool: Pool;
  private autoscaler: Autoscaler | undefined;
  /**
   * The running tasks, each with its controller: aborting it ends that task now (see
   * {@link abortTask}). Lazy, so a task nobody aborts costs no AbortSignal. This and `reserved`
   * are EntryLists, not a Map or Set, so finished tasks are not promoted (see entry-list.ts).
   */
  private readonly runningTasks = new EntryList<Request>();
  private transport: Transport | undefined;
  private backend: ResultBackend | null = null;
  private runner: TaskRunner | undefined;
  private consuming: AbortController | undefined;
  /** Aborted by stop(): a start still waiting for the broker gives up. */
  private readonly startAborted = new AbortController();
  private control: WorkerControl | undefined;
  private eta: EtaScheduler<Request>;
  private limiter: RateLimiter<Request> | undefined;
  /** Received but not started (prefetched or ETA-held): given back to the queue on shutdown. */
  private readonly reserved = new EntryList<Request>();
  /**
   * Deliveries not opened yet (see `onMessage`): the prefetched messages waiting for a free pool
   * slot, still in their stored form. Given back to the queue on shutdown.
   */
  private readonly unopened = new EntryList<Delivery>();
  /** Whether this worker asks its transport to defer decoding (not with --autoscale, whose demand is the pool's queue). */
  private readonly deferDecode: boolean;
  /** Tasks and message handlings not settled yet (shutdown waits for them). */
  private readonly inflight = new InflightWork();
  /** Settles the messages this worker does not run (unreadable, unregistered, revoked, expired). */
  private readonly unrun: UnrunTasks;

  /**
   * True while a received task is running, settling, or due to start now; tasks held for their
   * ETA or a rate-limit token do not count (the testing kit waits for this before moving time).
   */
  get busy(): boolean {
    return this.inflight.size > 0 || this.unopened.size > 0 || this.reserved.size > this.eta.size + (this.limiter?.waiting ?? 0);
  }
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private stopPromise: Promise<void> | undefined;

  constructor(
    readonly app: Celery,
    options: WorkerOptions = {},
  ) {
    super();
    this.hostname = expandNodename(options.hostname);
    this.queues = options.queues?.length ? options.queues : app.routing().queues.declared.map((q) => q.name);
    this.concurrency = options.autoscale?.max ?? options.concurrency ?? app.conf.workerConcurrency ?? availableParallelism();
    const multiplier = options.prefetchMultiplier ?? app.conf.workerPrefetchMultiplier;
    this.prefetchCount = multiplier > 0 ? this.concurrency * multiplier : 0;
    this.log = options.logger ?? app.log;
    this.unrun = new UnrunTasks({
      app,
      hostname: this.hostname,
      log: this.log,
      runner: () => this.runner!,
      count: (stat) => void this.stats[stat]++,
      deadLettered: (reason, queue) => this.emit('dead-letter', reason, queue),
      done: (taskId, state) => this.emitDone(taskId, state),
    });
    this.pool = createWorkerPool(this, app, options);
    if (options.autoscale) this.autoscaler = new Autoscaler(this.pool, app.clock, options.autoscale);
    this.deferDecode = options.autoscale === undefined;
    this.eta = new EtaScheduler<Request>(app.clock, (request) => {
      request.delivery.countTowardPrefetch(true);
      this.dispatch(request);
    });
  }

  /**
   * Connect, declare the queues and start consuming. Idempotent. Sends `workerInit` first,
   * `workerProcessInit` once the pool can run tasks and `workerReady` once consuming (each
   * awaited).
   * @throws CeleriacError('CONFIG_INVALID') when a task's options or annotations are invalid
   *   (every registered task is resolved here, so mistakes surface at start, not mid-run).
   */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    for (const task of this.app.tasks.values()) resolveTask(task, this.app);
    this.state = 'running';
    const signals = this.app.signals;
    if (signals.workerInit.connected) await signals.workerInit.sendAndWait({ sender: this.hostname, worker: this });
    const transport = await connectBroker(this.app, this.log, this.startAborted.signal);
    if (transport === undefined) return; // stopped while waiting for the broker
    this.transport = transport;
    this.limiter = createWorkerRateLimiter(this.app, this.transport, this.log, (request) => this.execute(request));
    this.backend = await this.app.backend();
    this.runner = new TaskRunner({
      app: this.app,
      backend: this.backend,
      hostname: this.hostname,
      log: this.log,
      acksLate: this.app.conf.taskAcksLate,
      trackStarted: this.app.conf.taskTrackStarted,
      ignoreResult: this.app.conf.taskIgnoreResult,
      timeLimitMs: this.app.conf.taskTimeLimitMs,
      softTimeLimitMs: this.app.conf.taskSoftTimeLimitMs,
    });
    // As Celery declares each consumed queue with its exchange and binding (task_queues, or a
    // missing queue's same-named direct exchange), so producers that route by exchange reach it.
    const registry = this.app.routing().queues;
    // Remote control before consuming, so revocations are known before the first task arrives.
    const control = new WorkerControl({
      app: this.app,
      hostname: this.hostname,
      transport,
      log: this.log,
      terminate: (taskId, signal) => this.terminateTask(taskId, signal),
      onRevoked: (ids, terminated) => this.emit('revoke', ids, terminated),
    });
    this.control = control;
    // Both talk to the broker: a connection dropped under them is retried as the first one was.
    const declared = await withStartupRetry(this.app, this.log, this.startAborted.signal, async () => {
      for (const name of this.queues) await transport.declareQueue(QueueRegistry.spec(registry.get(name)));
      await control.start();
      return true;
    });
    if (declared === undefined) return; // stopped while waiting for the broker
    // Threads and children send worker_process_init themselves once they have loaded the app;
    // the async pool runs tasks in this process, so its "process init" is now.
    await this.pool.start();
    if (this.pool.kind === 'async' && signals.workerProcessInit.connected) {
      await signals.workerProcessInit.sendAndWait({ sender: this.hostname, worker: this });
    }
    this.autoscaler?.start();
    this.consuming = new AbortController();
    await this.transport.consume({
      queues: this.queues,
      prefetch: this.prefetchCount,
      signal: this.consuming.signal,
      onMessage: (delivery) => this.onMessage(delivery),
      deferDecode: this.deferDecode,
    });
    this.log.info(
      `${this.hostname} ready: queues [${this.queues.join(', ')}], concurrency ${this.concurrency} (${this.pool.kind}), prefetch ${this.prefetchCount}`,
    );
    if (signals.workerReady.connected) await signals.workerReady.sendAndWait({ sender: this.hostname, worker: this });
  }

  /**
   * A delivery the transport may have left undecoded (it has `open`) waits in `unopened`, as
   * stored, while every pool slot is taken: it is decoded — and received, logged, announced,
   * checked for revocation, expiry and ETA — when a slot frees for it. A prefetched message thus
   * costs the garbage collector its text only, not its decoded form (W2: about half the bytes
   * each young-generation collection copies).
   */
  private onMessage(delivery: Delivery): void {
    if (delivery.open !== undefined && (this.unopened.size > 0 || !this.poolHasRoom())) {
      this.unopened.add(delivery);
      return;
    }
    this.receive(delivery);
  }

  private poolHasRoom(): boolean {
    const pool = this.pool;
    return pool.active + pool.waiting < pool.concurrency;
  }

  /** Receive what waits in `unopened` while a pool slot is free (a task ended). */
  private receiveUnopened(): void {
    while (this.state === 'running' && this.unopened.size > 0 && this.poolHasRoom()) this.receive(this.unopened.shift()!);
  }

  private receive(delivery: Delivery): void {
    // Unreadable: the transport kept it as a dead letter, as it would have on arrival.
    if (delivery.open !== undefined && !delivery.open()) return;
    this.stats.received++;
    let request: Request;
    try {
      const message = decodeTaskMessage(delivery.message, { accept: this.app.conf.acceptContent });
      request = new Request(message, delivery, this.hostname);
    } catch (err) {
      const rejected = this.app.signals.taskRejected;
      if (rejected.connected) rejected.send({ sender: this.hostname, message: delivery.message, exc: err });
      this.track(this.unrun.deadLetter(delivery, describeBadMessage(err)));
      return;
    }
    if (this.log.isLevelEnabled('info')) this.log.info(`Task ${request.displayName}[${request.id}] received`);
    const received = this.app.signals.taskReceived;
    if (received.connected) received.send({ sender: this.hostname, request: request.taskRequest() });
    if (this.control?.revoked.has(request.id)) {
      this.track(this.unrun.revoke(request, 'revoked'));
      return;
    }
    const now = this.app.clock.now();
    if (request.expiresMs !== null && request.expiresMs <= now) {
      this.track(this.unrun.revoke(request, 'expired'));
      return;
    }
    request.reservedEntry = this.reserved.add(request);
    if (request.etaMs !== null && request.etaMs > now) {
      // Held outside prefetch, as Celery widens its QoS window per ETA task: a worker full of
      // tasks due later still takes the next one that is due now.
      request.delivery.countTowardPrefetch(false);
      this.eta.add(request, request.etaMs);
      return;
    }
    this.dispatch(request);
  }

  /** Run now, or once the task's rate limit allows (Celery's consumer applies it after the ETA). */
  private dispatch(request: Request): void {
    if (this.limiter) this.limiter.submit(request.name, request);
    else this.execute(request);
  }

  private execute(request: Request): void {
    if (this.state !== 'running') return; // still reserved: given back on shutdown
    const task = this.app.tasks.get(request.name);
    if (!task) {
      this.unreserve(request);
      this.track(this.unrun.unknownTask(request));
      return;
    }
    const runner = this.runner!;
    // Not an async function: the run's own promise is the job's (one async frame less per task).
    const job = this.pool.run((slot): Promise<RunOutcome | undefined> => {
      this.unreserve(request);
      // Expiry is checked again at start: a task may have waited for a slot past its expiry.
      if (request.expiresMs !== null && request.expiresMs <= this.app.clock.now()) {
        return this.unrun.revoke(request, 'expired').then(NOTHING);
      }
      // Checked again at start: a task may have been revoked while it waited.
      if (this.control?.revoked.has(request.id)) {
        return this.unrun.revoke(request, 'revoked').then(NOTHING);
      }
      const controller = new LazyAbortController();
      request.controller = controller;
      request.runningEntry = this.runningTasks.add(request);
      return runner.run(request, task, slot, controller, this.runEnded);
    });
    // One promise per task for the bookkeeping (track() would add a finally() chain of three).
    this.inflight.begin();
    void job.then(
      (outcome: RunOutcome | undefined) => {
        try {
          this.finished(request, outcome);
        } finally {
          this.inflight.end();
          if (this.unopened.size > 0) this.receiveUnopened();
        }
      },
      (err: unknown) => {
        this.inflight.end();
        if (err instanceof PoolStoppedError) return; // never started: still reserved
        this.log.error({ err }, `internal error running ${request.name}[${request.id}]`);
        if (this.unopened.size > 0) this.receiveUnopened();
      },
    );
  }

  private unreserve(request: Request): void {
    if (request.reservedEntry !== undefined) this.reserved.remove(request.reservedEntry);
    request.reservedEntry = undefined;
  }

  /** A run ended (called by the runner before its promise settles): it can no longer be aborted. */
  private readonly runEnded = (request: Request): void => {
    if (request.runningEntry !== undefined) this.runningTasks.remove(request.runningEntry);
    request.runningEntry = undefined;
  };

  /** Counts a run's outcome and announces it (a terminated run is stored REVOKED first). */
  private finished(request: Request, outcome: RunOutcome | undefined): void {
    if (!outcome) return;
    switch (outcome.state) {
      case 'SUCCESS':
        this.stats.succeeded++;
        break;
      case 'RETRY':
        this.stats.retried++;
        this.emit('task-retried', request.id, request.message.retries + 1);
        return;
      case 'REVOKED': // terminated by a revoke: nothing stored yet
        this.track(this.unrun.revoke(request, 'terminated', request.terminatedBy));
        return;
      case 'REJECTED':
        this.stats.rejected++;
        break;
      case 'IGNORED':
        this.stats.ignored++;
        break;
      default:
        this.stats.failed++;
    }
    this.emitDone(request.id, outcome.state);
  }

  /**
   * End a running task now (for `revoke(terminate)`): its `ctx.signal` aborts with `reason`, and
   * the call ends with `reason` as the thrown error — the threads and processes pools terminate
   * the thread or child running it (and start another); the async pool abandons it (see
   * docs/pools.md). What is stored follows from `reason` as from any thrown error.
   * @returns false when no task with this id is running here.
   */
  abortTask(taskId: string, reason: unknown): boolean {
    const running = this.runningTasks.find((request) => request.id === taskId);
    if (!running) return false;
    running.controller?.abort(reason);
    return true;
  }

  /**
   * `revoke(..., { terminate })`: end a running task as {@link abortTask} does (its error a
   * TaskRevokedError), then store REVOKED (`terminated`) and send `taskRevoked`.
   * @returns false when no task with this id is running here.
   */
  terminateTask(taskId: string, signal = 'SIGTERM'): boolean {
    const running = this.runningTasks.find((request) => request.id === taskId);
    if (!running) return false;
    running.terminatedBy = signal;
    running.controller?.abort(new TaskRevokedError(taskId, 'terminated'));
    return true;
  }

  /** Ids of the tasks running now. */
  runningTaskIds(): string[] {
    return this.runningTasks.values().map((request) => request.id);
  }

  /** The pool's counters (spawned, recycled, killed, lost threads or children). */
  get poolStats(): Readonly<PoolStats> {
    return this.pool.stats;
  }

  private emitDone(taskId: string, state: TaskState): void {
    this.emit('task-done', taskId, state);
  }

  private track(p: Promise<unknown>): void {
    this.inflight.track(p);
  }

  /**
   * Warm (graceful) or cold shutdown; see the class comment. Idempotent; a cold call upgrades a
   * warm one. The broker connection and result backend belong to the app: `app.close()` them.
   */
  stop(options: { graceful: boolean } = { graceful: true }): Promise<void> {
    if (this.state === 'new') {
      this.state = 'stopped';
      return Promise.resolve();
    }
    if (!options.graceful) void this.pool.stop({ graceful: false });
    this.stopPromise ??= this.shutdown(options.graceful);
    return this.stopPromise;
  }

  private async shutdown(graceful: boolean): Promise<void> {
    this.state = 'stopping';
    this.startAborted.abort();
    this.consuming?.abort();
    this.control?.stop();
    this.eta.clear();
    this.limiter?.stop();
    this.autoscaler?.stop();
    await this.pool.stop({ graceful });
    await this.inflight.settled();
    // Prefetched and ETA-held messages never ran: give them back, as Celery restores them.
    const giveBack = this.reserved.drain();
    for (const request of giveBack) request.reservedEntry = undefined;
    const unopened = this.unopened.drain();
    await Promise.allSettled([...giveBack.map((r) => r.delivery.reject({ requeue: true })), ...unopened.map((d) => d.reject({ requeue: true }))]);
    const returned = giveBack.length + unopened.length;
    if (returned > 0) {
      // Named, so a task found PENDING later can be traced to this shutdown (an ETA-held one
      // waits for the next worker to take it); those never decoded are counted.
      const shown = giveBack.slice(0, GIVE_BACK_LOGGED).map((r) => `${r.displayName}[${r.id}]`);
      const more = returned > shown.length ? `, and ${returned - shown.length} more` : '';
      this.log.info(`returned ${returned} unstarted task(s) to the queue: ${shown.join(', ')}${more}`);
    }
    this.state = 'stopped';
    const shutdown = this.app.signals.workerShutdown;
    if (shutdown.connected) await shutdown.sendAndWait({ sender: this.hostname, worker: this });
  }
}

/** A job that stored REVOKED instead of running has no run outcome. */
const NOTHING = (): undefined => undefined;

/** How many of the tasks a shutdown gives back its log line names. */
const GIVE_BACK_LOGGED = 20;

function describeBadMessage(err: unknown): string {
  if (err instanceof ContentDisallowedError) return `content type '${err.contentType}' is not in accept_content`;
  if (err instanceof DecodeError || err instanceof CeleriacError) return err.message;
  return `undecodable message: ${String(err)}`;
}
