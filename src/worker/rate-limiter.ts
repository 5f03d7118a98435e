/**
 * Task rate limits in the worker, as Celery's consumer applies them (celery/worker/consumer
 * `_limit_task`): a received task whose limit has no token yet waits here — still reserved, its
 * message unacked — and runs when the token is due; nothing is dropped. Tasks of one name wait
 * in arrival order; tasks without a limit never pass through a lane.
 *
 * Two scopes:
 * - `worker` (Celery's only one): a capacity-1 token bucket per task name in this worker.
 * - `global`: one token shared by every worker of the broker, taken through the transport's
 *   `takeRateToken` (Redis: a Lua script on the server's clock; sqlite: a row in the shared file;
 *   memory: shared by the workers of the process). On a transport without it the limit applies
 *   per worker, and the worker says so once in its log.
 */
import type { Clock } from '../internal/clock.js';
import type { Logger } from '../internal/logger.js';
import { parseRateLimit, rateIntervalMs, TokenBucket } from '../internal/rate-limit.js';
import type { Celery } from '../app/celery.js';
import { resolveTask } from '../app/task-definition.js';
import type { TaskRateLimit } from '../app/task-types.js';
import type { Transport } from '../transports/transport.js';

/** Takes a shared token: 0 when taken, else ms until it is due (see `Transport.takeRateToken`). */
export type GlobalTokenTaker = (key: string, intervalMs: number) => Promise<number>;

/** How long to wait before asking again when the shared token could not be read (broker down). */
const GLOBAL_ERROR_RETRY_MS = 1000;

interface Lane<T> {
  readonly name: string;
  readonly intervalMs: number;
  /** Set for the worker scope (and the global scope's fallback). */
  readonly bucket: TokenBucket | null;
  readonly waiting: T[];
  cancelTimer: (() => void) | undefined;
  pumping: boolean;
}

export interface RateLimiterSettings {
  clock: Clock;
  log: Logger;
  /** The effective limit of a task name (task option, annotation, `task_default_rate_limit`). */
  limitOf(name: string): TaskRateLimit | null | undefined;
  /** Present when the transport can share a token between workers. */
  takeGlobal?: GlobalTokenTaker;
}

export class RateLimiter<T> {
  /** Per task name: its lane, or null for a task without a limit. */
  readonly #lanes = new Map<string, Lane<T> | null>();
  #stopped = false;

  /**
   * @param run called with each item when its token is taken (synchronously for an item that
   *   need not wait).
   */
  constructor(
    private readonly s: RateLimiterSettings,
    private readonly run: (item: T) => void,
  ) {}

  /**
   * Run `item` now, or queue it behind the earlier items of task `name` until its limit allows.
   * @throws CeleriacError('CONFIG_INVALID') for a limit that is not a rate (checked at first use).
   */
  submit(name: string, item: T): void {
    let lane = this.#lanes.get(name);
    if (lane === undefined) {
      lane = this.#lane(name);
      this.#lanes.set(name, lane);
    }
    if (lane === null) {
      this.run(item);
      return;
    }
    lane.waiting.push(item);
    if (lane.cancelTimer === undefined && !lane.pumping) this.#pump(lane);
  }

  /** Tasks waiting for a token. */
  get waiting(): number {
    let n = 0;
    for (const lane of this.#lanes.values()) n += lane?.waiting.length ?? 0;
    return n;
  }

  /** Cancel the timers and forget the waiting items (the worker gives their messages back). */
  stop(): void {
    this.#stopped = true;
    for (const lane of this.#lanes.values()) {
      lane?.cancelTimer?.();
      if (lane) {
        lane.cancelTimer = undefined;
        lane.waiting.length = 0;
      }
    }
  }

  #lane(name: string): Lane<T> | null {
    const limit = this.s.limitOf(name);
    if (limit === null || limit === undefined) return null;
    const spec = typeof limit === 'object' ? limit : { limit, scope: 'worker' as const };
    const intervalMs = rateIntervalMs(parseRateLimit(spec.limit));
    if (intervalMs === 0) return null;
    const global = spec.scope === 'global';
    if (global && !this.s.takeGlobal) {
      this.s.log.info(`task ${name}: rate limit ${String(spec.limit)} applies per worker (this broker cannot share a limit between workers)`);
    }
    const bucket = global && this.s.takeGlobal ? null : new TokenBucket(intervalMs);
    return { name, intervalMs, bucket, waiting: [], cancelTimer: undefined, pumping: false };
  }

  /** Run what the tokens allow, then wait for the next token. */
  #pump(lane: Lane<T>): void {
    lane.cancelTimer = undefined;
    if (lane.bucket) {
      while (lane.waiting.length > 0 && !this.#stopped) {
        const waitMs = lane.bucket.take(this.s.clock.now());
        if (waitMs > 0) {
          this.#later(lane, waitMs);
          return;
        }
        this.run(lane.waiting.shift()!);
      }
      return;
    }
    lane.pumping = true;
    void this.#pumpGlobal(lane);
  }

  async #pumpGlobal(lane: Lane<T>): Promise<void> {
    const take = this.s.takeGlobal!;
    // `pumping` is cleared in the same turn the loop sees an empty lane, so an item submitted
    // after that starts a new pump.
    try {
      await this.#drainGlobal(lane, take);
    } finally {
      lane.pumping = false;
    }
  }

  async #drainGlobal(lane: Lane<T>, take: GlobalTokenTaker): Promise<void> {
    while (lane.waiting.length > 0 && !this.#stopped) {
      let waitMs: number;
      try {
        waitMs = await take(lane.name, lane.intervalMs);
      } catch (err) {
        this.s.log.warn({ err }, `task ${lane.name}: cannot take a global rate-limit token; asking again in ${GLOBAL_ERROR_RETRY_MS} ms`);
        waitMs = GLOBAL_ERROR_RETRY_MS;
      }
      if (this.#stopped) return;
      if (waitMs > 0) {
        this.#later(lane, waitMs);
        return;
      }
      this.run(lane.waiting.shift()!);
    }
  }

  #later(lane: Lane<T>, waitMs: number): void {
    lane.cancelTimer = this.s.clock.setTimer(() => this.#pump(lane), waitMs);
  }
}

/**
 * The worker's limiter: limits from the tasks' effective options, else `task_default_rate_limit`;
 * none at all with `worker_disable_rate_limits` (then undefined: tasks go straight to the pool).
 */
export function createWorkerRateLimiter<T>(app: Celery, transport: Transport, log: Logger, run: (item: T) => void): RateLimiter<T> | undefined {
  if (app.conf.workerDisableRateLimits) return undefined;
  const takeGlobal = transport.takeRateToken?.bind(transport);
  return new RateLimiter<T>(
    {
      clock: app.clock,
      log,
      takeGlobal,
      limitOf(name) {
        const task = app.tasks.get(name);
        if (!task) return null;
        return resolveTask(task, app).options.rateLimit ?? app.conf.taskDefaultRateLimit;
      },
    },
    run,
  );
}
