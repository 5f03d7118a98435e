/**
 * The application: configuration, the task registry, the broker connection and the result
 * backend, all hanging off one instance (no global state). Mirrors `celery.Celery`.
 *
 * @example
 * ```ts
 * export const app = new Celery('proj', { broker_url: 'sqlite:///celeriac.db' });
 * export const add = app.task('tasks.add', (x: number, y: number) => x + y);
 * const r = await add.delay(2, 3);
 * await r.get({ timeout: 10_000 }); // 5
 * ```
 */
import { randomUUID } from 'node:crypto';
import { createBackend } from '../backends/create-backend.js';
import type { ResultBackend } from '../backends/backend.js';
import { Control } from '../control/control.js';
import { CeleriacError } from '../errors.js';
import { systemClock, type Clock } from '../internal/clock.js';
import { createLogger, type Logger } from '../internal/logger.js';
import { createTransport } from '../transports/create-transport.js';
import type { Transport } from '../transports/transport.js';
import { Signature, type SignatureOptions } from '../canvas/signature.js';
import { AppCanvas } from './app-canvas.js';
import { registerBuiltinTasks } from './builtin-tasks.js';
import type { ApplyOptions } from './apply-options.js';
import { AsyncResult } from './async-result.js';
import { EagerApplier } from './eager-runner.js';
import { withCurrentTask } from './current-task.js';
import { Config, type SettingsInput } from './config/config.js';
import type { ConfigNotice } from './config/config-notice.js';
import { setupAppLogging, type LoggingSetupOptions } from './logging-setup.js';
import { Producer } from './producer.js';
import { createTaskRouting, type TaskRouting } from './task-routing.js';
import { AppSignals } from './signals/app-signals.js';
import { TaskDefinition } from './task-definition.js';
import { createTask } from './task-factory.js';
import { taskSignatures } from './task-signatures.js';
import type { TaskSignatures } from './task-types.js';
import type { RegisteredTask, RemoteTask, Task, TaskBase, TaskContext, TaskOptions } from './task-types.js';
import { SettledValue } from '../internal/settled-value.js';

/** Where the embedded broker lives when nothing is configured. */
export const DEFAULT_BROKER_URL = 'sqlite:///celeriac.db';

export interface CeleryOptions {
  /** Time source (tests use a virtual clock). */
  clock?: Clock;
  /** Logger; default: a Celery-format logger at `info` on standard error. */
  logger?: Logger;
  /** Uniform random numbers in [0, 1) for retry jitter; default `Math.random` (tests pin it). */
  random?: () => number;
}

export class Celery {
  /** The configuration (Celery's `app.conf`): `app.conf.update({ task_default_queue: 'q' })`. */
  readonly conf: Config;
  /** Registered tasks by name. */
  readonly tasks = new Map<string, RegisteredTask>();
  /**
   * The time source. Replaceable only before the app first connects (the testing kit's
   * `TestWorker.start` sets a virtual clock); components read it when they are created.
   */
  clock: Clock;
  /** Random source of retry jitter. */
  readonly random: () => number;
  /** The app's logger; `setupLogging()` replaces it. */
  log: Logger;
  /**
   * Typed signals (Celery's `celery.signals`, per app):
   * `app.signals.taskFailure.connect(({ taskId, exception }) => ...)`; also by Celery's name,
   * `app.signals.get('task_failure')`. See {@link AppSignals}.
   */
  readonly signals: AppSignals = new AppSignals(() => this.log);
  /** A per-process id, used as `reply_to` (Celery's `app.thread_oid`). */
  readonly oid = randomUUID();
  /** How signatures bound to this app are sent (canvas's Publisher, implemented by the app). */
  readonly canvas: AppCanvas = new AppCanvas(this);

  private transportPromise: Promise<Transport> | undefined;
  private readonly eager = new EagerApplier(this);
  /** The result backend being started, or started (readable at once then). */
  private backendState: SettledValue<ResultBackend | null> | undefined;
  private producerInstance: Producer | undefined;
  private routingInstance: TaskRouting | undefined;
  private controlInstance: Control | undefined;

  /**
   * @param main the app name (Celery's `main`), used in logs.
   * @param config settings by Celery name (`broker_url`, `BROKER_URL`) or camelCase key.
   * @throws UnknownSettingError for a setting name celeriac does not know (with a suggestion).
   * @throws CeleriacError('CONFIG_INVALID') for a bad value.
   */
  constructor(
    readonly main: string,
    config: SettingsInput = {},
    options: CeleryOptions = {},
  ) {
    this.conf = new Config(config);
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.log = options.logger ?? createLogger({ level: 'info' });
    registerBuiltinTasks(this);
  }

  /**
   * Configure logging as Celery's worker does at start (`app.log.setup()`): unless a
   * `setupLogging` signal handler takes over, `app.log` becomes a new logger at `loglevel` on
   * standard error or `logfile`; then `afterSetupLogger` / `afterSetupTaskLogger` fire, whose
   * handlers can `addSink()` to ship records elsewhere. Call it before creating workers.
   * @returns the logger now in `app.log`.
   * @throws Error for an unknown log level.
   */
  setupLogging(options: LoggingSetupOptions = {}): Logger {
    return setupAppLogging(this, options);
  }

  /**
   * Load settings from an object or a settings module (Celery's `app.config_from_object`):
   * `app.configFromObject({ task_default_queue: 'q' })` or
   * `await app.configFromObject('./celeryconfig.ts')`. Same as `app.conf.configFromObject`.
   * @throws UnknownSettingError / CeleriacError('CONFIG_INVALID') as `conf.update` does.
   */
  configFromObject(source: object): ConfigNotice[];
  configFromObject(modulePath: string): Promise<ConfigNotice[]>;
  configFromObject(source: object | string): ConfigNotice[] | Promise<ConfigNotice[]> {
    return typeof source === 'string' ? this.conf.configFromObject(source) : this.conf.configFromObject(source);
  }

  /**
   * Register a task. Returns a handle that is callable locally (`add(2, 3)`) and sendable
   * (`add.delay(2, 3)`), typed by the function's parameters and return type. Options may carry
   * handlers (`onFailure`...) and a `base` of shared defaults and handlers (see
   * `defineTaskBase`); inside handlers `this` is the run's {@link TaskContext}.
   * @throws CeleriacError('DUPLICATE_TASK') when the name is already registered.
   * @throws CeleriacError('CONFIG_INVALID') for a bad option value (`maxRetries: -1`...).
   */
  task<A extends unknown[], R>(name: string, fn: (...args: A) => R): Task<A, R>;
  task<A extends unknown[], R, B extends TaskBase = Record<never, never>>(
    options: TaskOptions & { bind: true; base?: B } & ThisType<TaskContext & B>,
    fn: (ctx: TaskContext & B, ...args: A) => R,
  ): Task<A, R>;
  task<A extends unknown[], R, B extends TaskBase = Record<never, never>>(
    options: TaskOptions & { bind?: false; base?: B } & ThisType<TaskContext & B>,
    fn: (...args: A) => R,
  ): Task<A, R>;
  task(nameOrOptions: string | TaskOptions, fn: (...args: never[]) => unknown): Task<unknown[], unknown> {
    const options: TaskOptions = typeof nameOrOptions === 'string' ? { name: nameOrOptions } : { ...nameOrOptions };
    if (!options.name) throw new CeleriacError('CONFIG_INVALID', 'a task needs a name (app.task("tasks.add", fn))');
    if (this.tasks.has(options.name)) {
      throw new CeleriacError('DUPLICATE_TASK', `task '${options.name}' is already registered`);
    }
    const definition = new TaskDefinition(this, options, fn);
    this.tasks.set(options.name, definition);
    return createTask(this, definition);
  }

  /**
   * A typed handle for a task implemented elsewhere (another service or Python), sent by name
   * like Celery's `send_task`: `app.remoteTask<(x: number, y: number) => number>('tasks.add')`.
   */
  remoteTask<F extends (...args: never[]) => unknown>(
    name: string,
    defaults: ApplyOptions = {},
  ): RemoteTask<Parameters<F>, ReturnType<F>> {
    type R = Awaited<ReturnType<F>>;
    return {
      name,
      ...(taskSignatures(this.canvas, name, defaults) as TaskSignatures<Parameters<F>, R>),
      delay: (...args: Parameters<F>) => this.sendTask<R>(name, args, {}, defaults),
      applyAsync: (args?: Partial<Parameters<F>>, kwargs?: Record<string, unknown>, options?: ApplyOptions) =>
        this.sendTask<R>(name, (args ?? []), kwargs ?? {}, { ...defaults, ...options }),
    };
  }

  /**
   * Send a task by name (Celery's `send_task`), for tasks this process does not define.
   * @throws CeleriacError when the broker cannot be reached or arguments cannot be encoded.
   */
  async sendTask<R = unknown>(
    name: string,
    args: unknown[] = [],
    kwargs: Record<string, unknown> = {},
    options: ApplyOptions = {},
  ): Promise<AsyncResult<R>> {
    const taskOptions = this.tasks.get(name)?.options;
    const ignoreResult = taskOptions?.ignoreResult ?? this.conf.taskIgnoreResult;
    const taskId = options.taskId ?? randomUUID();
    // A backend this process already waits on listens for the result from now on (one less round
    // trip for get()). Once it is up, in this microtask: its SUBSCRIBE is then queued before the
    // send's LPUSH, which publishes synchronously down to the transport.
    if (!(options.ignoreResult ?? ignoreResult)) {
      const backend = this.backendState;
      if (backend?.fulfilled === true) backend.value?.expectResult?.(taskId);
      else void backend?.promise.then((b) => b?.expectResult?.(taskId), () => undefined);
    }
    const id = await this.producer().send(
      name,
      args,
      kwargs,
      options,
      { queue: taskOptions?.queue, serializer: taskOptions?.serializer, compression: taskOptions?.compression, ignoreResult },
      taskId,
    );
    return this.asyncResult<R>(id);
  }

  /**
   * A signature of a task by name, bound to this app (Celery's `app.signature` /
   * `signature('tasks.add', args=..., kwargs=..., options=...)`), for tasks defined elsewhere:
   * `app.signature<number>('tasks.add', [2, 2])`. `R` is the task's result type.
   */
  signature<R = unknown>(name: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, options: SignatureOptions = {}): Signature<R> {
    return new Signature<R>({ task: name, args, kwargs, options }, this.canvas);
  }

  /**
   * Run a registered task now, in this process, as a worker would (Celery's `Task.apply`; what
   * `applyAsync` does under `task_always_eager`). Retries run again at once; the result is kept
   * in memory, or in the result backend with `task_store_eager_result`.
   * @throws NotRegisteredError for a task not registered here.
   * @throws what the task threw, when `propagate` (default `task_eager_propagates`).
   */
  applyEager<R = unknown>(
    name: string,
    args: unknown[] = [],
    kwargs: Record<string, unknown> = {},
    options: ApplyOptions = {},
    propagate?: boolean,
  ): Promise<AsyncResult<R>> {
    // It may await the result backend before it runs the task, which reads the current task.
    return withCurrentTask(() => this.eager.apply<R>(name, args, kwargs, options, propagate));
  }

  /** True once the app has opened its broker or result backend connection. */
  get connected(): boolean {
    return this.transportPromise !== undefined || this.backendState !== undefined;
  }

  /** A result handle for a task id (Celery's `app.AsyncResult(id)`). */
  asyncResult<R = unknown>(id: string): AsyncResult<R> {
    return new AsyncResult<R>(id, this.resultSources.backend, this.resultSources.control, this.resultSources.publishOutcome);
  }

  /** What every {@link AsyncResult} of this app reads through: made once, not once per result. */
  private readonly resultSources = {
    backend: () => this.backend(),
    control: () => this.control,
    publishOutcome: (taskId: string) => this.producerInstance?.publishOutcome(taskId),
  };

  /** The started broker transport (created from `broker_url` on first use). */
  transport(): Promise<Transport> {
    if (this.transportPromise === undefined) {
      const starting = (async () => {
        const transport = createTransport(this.brokerUrl(), {
          logger: this.log,
          clock: this.clock,
          transportOptions: this.conf.brokerTransportOptions,
        });
        await transport.start();
        return transport;
      })();
      this.transportPromise = starting;
      // A broker that was down when this app first needed it must not stay down for the app's
      // lifetime: the next call connects afresh (a failed start leaves nothing open).
      starting.catch(() => {
        if (this.transportPromise === starting) this.transportPromise = undefined;
      });
    }
    return this.transportPromise;
  }

  /** The started result backend, or null when results are disabled. */
  backend(): Promise<ResultBackend | null> {
    if (this.backendState === undefined) {
      const starting = (async () => {
        const backend = createBackend(this.resultBackendUrl(), {
          clock: this.clock,
          resultExpiresMs: this.conf.resultExpiresMs,
          transportOptions: this.conf.resultBackendTransportOptions,
          logger: this.log,
        });
        await backend?.start();
        return backend;
      })();
      const state = new SettledValue(starting);
      this.backendState = state;
      // As for the transport: a result backend that could not start is started afresh next time.
      starting.catch(() => {
        if (this.backendState === state) this.backendState = undefined;
      });
    }
    return this.backendState.promise;
  }

  private brokerUrlLogged = false;

  private envApplied = false;

  /**
   * Environment overrides (`CELERIAC_BROKER_URL`, `CELERIAC_RESULT_BACKEND`, and Celery's
   * `CELERY_BROKER_URL` / `CELERY_RESULT_BACKEND`) are read once, when the app first connects,
   * so they beat what the code configured — as Celery's environment overrides do.
   */
  private applyEnvOnce(): void {
    if (this.envApplied) return;
    this.envApplied = true;
    this.conf.applyEnv();
    for (const notice of this.conf.notices) this.log.debug(`config: ${notice.message}`);
  }

  /** The effective broker URL: environment, then `broker_url`, then the embedded default. */
  brokerUrl(): string {
    this.applyEnvOnce();
    const url = this.conf.brokerUrl || null;
    if (url) return url;
    if (!this.brokerUrlLogged) {
      this.brokerUrlLogged = true;
      this.log.info(`no broker_url configured: using the embedded broker ${DEFAULT_BROKER_URL}`);
    }
    return DEFAULT_BROKER_URL;
  }

  /**
   * The effective result backend URL: `CELERIAC_RESULT_BACKEND`, then `result_backend`; with an
   * embedded broker (sqlite/memory) and no backend set, the broker's own store keeps results too
   * (so the quick start works with one setting). `'disabled'` turns results off, as in Celery.
   */
  resultBackendUrl(): string | null {
    this.applyEnvOnce();
    const url = this.conf.resultBackend || null;
    if (url === 'disabled') return null;
    if (url) return url;
    const broker = this.brokerUrl();
    if (broker.startsWith('sqlite:') || broker.startsWith('memory:')) return broker;
    return null;
  }

  /** Remote control (Celery's `app.control`): `await app.control.revoke(id, { terminate: true })`. */
  get control(): Control {
    this.controlInstance ??= new Control({
      transport: () => this.transport(),
      namespace: this.conf.controlExchange,
      clock: this.clock,
      revokeExpiresMs: this.conf.workerRevokeExpiresMs,
    });
    return this.controlInstance;
  }

  /** Queues and routes (`task_queues`, `task_routes`, `task_default_*`), built once from the configuration. */
  routing(): TaskRouting {
    this.routingInstance ??= createTaskRouting(this.conf);
    return this.routingInstance;
  }

  /** The producer, built once from the configuration. */
  producer(): Producer {
    this.producerInstance ??= new Producer(() => this.transport(), {
      routing: this.routing(),
      publishRetry: this.conf.taskPublishRetry,
      publishRetryPolicy: this.conf.taskPublishRetryPolicy,
      log: this.log,
      defaultSerializer: this.conf.taskSerializer,
      defaultCompression: this.conf.taskCompression,
      replyTo: this.oid,
      clock: this.clock,
      signals: this.signals,
    });
    return this.producerInstance;
  }

  /** Close the broker connection and the result backend. Idempotent. */
  async close(): Promise<void> {
    const transport = this.transportPromise;
    const backend = this.backendState?.promise;
    this.transportPromise = undefined;
    this.backendState = undefined;
    this.producerInstance = undefined;
    await Promise.all([
      transport?.then((t) => t.stop(), () => undefined),
      backend?.then((b) => b?.stop(), () => undefined),
      this.eager.stop(),
    ]);
  }
}
