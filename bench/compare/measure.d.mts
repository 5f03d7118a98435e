// Types of measure.mjs (kept in JavaScript so bench/redis.ts can share it without bench/compare's
// node_modules).
import type { ChildProcess } from 'node:child_process';

export interface BenchArgs {
  /** Workloads to run: W1 enqueue, W2 drain, W3 round trip, W4 peak worker RSS (measured in W2 with results on). */
  workloads: Set<string>;
  /** Tasks per workload: --n overrides all; --quick is W1 2,000 / W2 10,000 / W3 500; default 20,000 / 100,000 / 2,000. */
  sizes: { w1: number; w2: number; w3: number };
  /** W2 with results stored, not stored, or both (--results on|off|both). */
  results: boolean[];
  /** redis://host:port, without the db. */
  redisBase: string;
  db: number;
  /** redisBase + '/' + db. */
  redisUrl: string;
  /** Worker concurrency. */
  concurrency: number;
  /** W3 round trips before the timing (they also wait for the worker to be up). */
  warmup: number;
  /** W1 sends before each timed W1 mode, the same way (--w1-warmup; default a tenth of the W1 size). */
  w1Warmup: number;
  timeoutMs: number;
}

export function parseBenchArgs(argv: string[], defaults: { db: number; concurrency: number }): BenchArgs;
export function emit(line: Record<string, unknown>): void;
export function tasksPerSecond(tasks: number, ms: number): number;
/** One system's name and worker set-up, put first on each of its lines. */
export type SystemFields = Record<string, unknown>;
export function emitEnqueue(system: SystemFields, mode: string, n: number, ms: number, details?: Record<string, unknown>): void;
export function timeEnqueue(
  system: SystemFields,
  mode: string,
  options: { n: number; warmup: number; send: (count: number) => Promise<void>; finish?: () => Promise<void>; details?: Record<string, unknown> },
): Promise<void>;
export function emitDrain(system: SystemFields, args: BenchArgs, drain: { n: number; results: boolean; drain: Awaited<ReturnType<typeof timeDrain>> }): void;
export function runWorkloads(
  args: BenchArgs,
  workloads: { w1: () => Promise<void>; w2: (results: boolean) => Promise<void>; w3: () => Promise<void> },
): Promise<void>;
export function timeRoundTrips(
  system: Record<string, unknown>,
  options: { n: number; warmup: number; roundTrip: () => Promise<number>; died?: Promise<never> },
): Promise<void>;
export function percentiles(samplesMs: number[]): { p50_ms: number; p95_ms: number; p99_ms: number; mean_ms: number };
export function peakRss(pid: number | undefined): { rss_mib: number; main_rss_mib: number; processes: number };
/** CPU seconds (user + system) of `pid` and its descendants so far. */
export function cpuSeconds(pid: number | undefined): number;
export function redisCpuSeconds(redis: RedisLike): Promise<number>;

/** The few commands measure.mjs sends (ioredis 5 and 6 both fit). */
export interface RedisLike {
  llen(key: string): Promise<number>;
  exists(...keys: string[]): Promise<number>;
  dbsize(): Promise<number>;
  info(section: 'cpu'): Promise<string>;
  scan(cursor: string, matchToken: 'MATCH', pattern: string, countToken: 'COUNT', count: number): Promise<[string, string[]]>;
}

export function waitFor(
  check: () => Promise<boolean>,
  options: { intervalMs: number; timeoutMs: number; what: string; signal?: AbortSignal },
): Promise<number>;
export function countKeys(redis: RedisLike, pattern: string): Promise<number>;
export function celeryResultsStored(redis: RedisLike, n: number): () => Promise<boolean>;

export interface Proc {
  child: ChildProcess;
  /** Exit code or signal name. */
  exited: Promise<number | string>;
  /** The last 64 KiB of standard error. */
  stderr(): string;
}

export function timeDrain(options: {
  redis: RedisLike;
  queueKey: string;
  n: number;
  isDone: () => Promise<boolean>;
  startWorker: () => Promise<Proc>;
  timeoutMs: number;
}): Promise<{
  ms: number;
  seconds: number;
  tasks_per_s: number;
  worker_cpu_us_per_task: number;
  redis_cpu_us_per_task: number;
  rss: { rss_mib: number; main_rss_mib: number; processes: number };
}>;

export function timeKombuDrain(options: {
  redis: RedisLike;
  n: number;
  results: boolean;
  startWorker: () => Promise<Proc>;
  timeoutMs: number;
}): ReturnType<typeof timeDrain>;

export function startProcess(
  command: string,
  args: string[],
  options?: { env?: Record<string, string>; cwd?: string; onLine?: (line: string) => void },
): Proc;
export function runProcess(
  command: string,
  args: string[],
  options?: { env?: Record<string, string>; cwd?: string },
): Promise<string[]>;
export function stopProcess(proc: Proc, graceMs?: number): Promise<void>;
