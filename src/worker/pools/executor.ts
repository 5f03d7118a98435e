/**
 * The worker's handle on one pool thread or child process: its readiness, the one call it runs
 * at a time, and how it ends — asked to stop, killed, or lost.
 */
import type { TaskRequest } from '../../app/task-types.js';
import { CeleriacError, WorkerLostError } from '../../errors.js';
import type { ExecutorChannel } from './executor-channel.js';
import type { FromExecutor } from './executor-protocol.js';

type Answer = Extract<FromExecutor, { type: 'outcome' }>;

interface Pending {
  seq: number;
  resolve(answer: Answer): void;
  reject(err: Error): void;
}

export class Executor {
  /** Resolves once the app is loaded and `worker_process_init` sent. @throws CeleriacError('APP_LOAD_FAILED') */
  readonly ready: Promise<void>;
  /** Resolves with how it ended (`exit code 0`, `signal SIGKILL`). */
  readonly exited: Promise<string>;
  /** Calls it answered. */
  tasksRun = 0;
  private current: Pending | null = null;
  private seq = 0;
  private ended = false;

  constructor(
    private readonly channel: ExecutorChannel,
    /** `pool thread` or `pool child`, for messages. */
    readonly what: string,
  ) {
    let onReady!: () => void;
    let onFail!: (err: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      onReady = resolve;
      onFail = reject;
    });
    // A spawn nobody awaits (a warm-up) must not become an unhandled rejection.
    this.ready.catch(() => {});
    channel.onMessage((m) => {
      if (m.type === 'ready') onReady();
      else if (m.type === 'init-failed') onFail(new CeleriacError('APP_LOAD_FAILED', `${this.describe()} could not load the app: ${m.message}`));
      else if (m.type === 'outcome' && this.current?.seq === m.seq) {
        const pending = this.current;
        this.current = null;
        pending.resolve(m);
      }
    });
    this.exited = new Promise((resolve) =>
      channel.onExit((how) => {
        this.ended = true;
        onFail(new CeleriacError('APP_LOAD_FAILED', `${this.describe()} exited before it was ready (${how})`));
        const pending = this.current;
        this.current = null;
        pending?.reject(new WorkerLostError(`${this.describe()} exited prematurely (${how})`));
        resolve(how);
      }),
    );
  }

  describe(): string {
    return `${this.what} ${this.channel.id}`;
  }

  /** True once it has exited. */
  get gone(): boolean {
    return this.ended;
  }

  /**
   * Run the task named `name`.
   * @throws WorkerLostError when it ends before answering.
   */
  call(name: string, request: TaskRequest): Promise<Answer> {
    if (this.ended) return Promise.reject(new WorkerLostError(`${this.describe()} has exited`));
    const seq = ++this.seq;
    return new Promise<Answer>((resolve, reject) => {
      this.current = { seq, resolve, reject };
      this.channel.send({ type: 'call', seq, name, request });
    });
  }

  /** Abort the running call's `ctx.signal` with SoftTimeLimitExceeded. */
  softLimit(limitSeconds: number): void {
    if (this.current && !this.ended) this.channel.send({ type: 'soft-limit', seq: this.current.seq, limitSeconds });
  }

  /** End it now. */
  kill(): Promise<string> {
    if (!this.ended) this.channel.kill();
    return this.exited;
  }

  /** Ask it to close its app and exit; kill it if it has not within `graceMs`. */
  async stop(graceMs: number): Promise<string> {
    if (this.ended) return this.exited;
    this.channel.send({ type: 'stop' });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([this.exited, late]);
    clearTimeout(timer);
    return this.kill();
  }
}
