// Running `celeriac worker` processes on the interop app (test/interop/celeriac-app.ts), through
// the integration tests' process helper, with a start-up timeout and a warm stop.
import { spawnWorker, type WorkerProcess } from '../integration/worker-processes.js';

export interface CeleriacWorkerOptions {
  queues: string[];
  /** `INTEROP_BROKER_URL` / `INTEROP_RESULT_BACKEND` / `INTEROP_RECORD_FILE` for the worker. */
  env: Record<string, string>;
  /** `-c`, default 4. */
  concurrency?: number;
  /** `-P`, default the app's (`async`). */
  pool?: 'async' | 'threads' | 'processes';
  /** `-n`, default `ts@%h`. */
  nodename?: string;
  prefetchMultiplier?: number;
  /** Where the worker logs (`-l info`); default: standard error, not kept. */
  logFile?: string;
  /** How long to wait for its ready line, in ms; default 30,000. */
  readyTimeoutMs?: number;
}

export interface CeleriacWorker extends WorkerProcess {
  /** Warm shutdown: SIGTERM, then resolves with the exit code (or signal name). */
  stop(): Promise<number | string>;
}

export async function startCeleriacWorker(options: CeleriacWorkerOptions): Promise<CeleriacWorker> {
  const args = [
    '-A', 'test/interop/celeriac-app.ts',
    '-Q', options.queues.join(','),
    '-c', String(options.concurrency ?? 4),
    '-n', options.nodename ?? 'ts@%h',
    '-l', 'info',
  ];
  if (options.prefetchMultiplier !== undefined) args.push('--prefetch-multiplier', String(options.prefetchMultiplier));
  if (options.pool !== undefined) args.push('-P', options.pool);
  if (options.logFile !== undefined) args.push('-f', options.logFile);
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const started = spawnWorker(args, options.env);
  const proc = await Promise.race([
    started,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`celeriac worker not ready after ${timeoutMs} ms`)), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
  return {
    ...proc,
    async stop() {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
      const kill = setTimeout(() => proc.child.kill('SIGKILL'), 30_000);
      try {
        return await proc.exited;
      } finally {
        clearTimeout(kill);
      }
    },
  };
}
