// Running a real Python Celery worker (Debian's Celery 5.2) for the interop tests: started in
// test/interop/python with the interop task module, ready when Celery logs `<node> ready.`, and
// stopped warm (SIGTERM, wait for the exit) — no sleeps.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { pythonDir, pythonPath } from './environment.js';

export interface PythonWorkerOptions {
  /** Queues to consume (`-Q`). */
  queues: string[];
  /** `INTEROP_BROKER_URL` / `INTEROP_RESULT_BACKEND` (and any other variable) for the worker. */
  env: Record<string, string>;
  /** Pool processes (`-c`), default 2. */
  concurrency?: number;
  /** Node name (`-n`), default `py@%h`. */
  nodename?: string;
  /** `--prefetch-multiplier`, default Celery's (4). */
  prefetchMultiplier?: number;
  /** Also write the worker's output to this file. */
  logFile?: string;
  /** How long to wait for `ready.`, in ms; default 60,000. */
  readyTimeoutMs?: number;
}

export interface PythonWorker {
  child: ChildProcess;
  /** Every line the worker printed so far (stdout and stderr; Celery logs to stderr). */
  readonly lines: readonly string[];
  /** Resolves with the first output line matching `pattern`; rejects on exit or after the timeout. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Warm shutdown: SIGTERM, then resolves with the exit code (or signal name). */
  stop(): Promise<number | string>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A crashed test run must not leave Celery workers behind: kill their process groups on exit. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/**
 * Starts `python3 -m celery -A interop_tasks worker` and resolves once it is consuming.
 * Mingle and gossip are off: they only add a second of start-up (mingle waits for replies) and
 * the tests need neither.
 * @throws Error when the worker exits or does not become ready in time (with its output).
 */
export async function startPythonWorker(options: PythonWorkerOptions): Promise<PythonWorker> {
  installExitHook();
  const args = [
    '-m', 'celery', '-A', 'interop_tasks', 'worker',
    '-Q', options.queues.join(','),
    '-c', String(options.concurrency ?? 2),
    '-l', 'info',
    '-n', options.nodename ?? 'py@%h',
    '--without-mingle', '--without-gossip',
  ];
  if (options.prefetchMultiplier !== undefined) args.push('--prefetch-multiplier', String(options.prefetchMultiplier));
  const child = spawn(pythonPath, args, {
    cwd: pythonDir,
    env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so the exit hook can take the pool children down with it.
    detached: true,
  });
  running.add(child);
  const lines: string[] = [];
  const log = options.logFile === undefined ? undefined : createWriteStream(options.logFile, { flags: 'a' });
  const waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  const onLine = (line: string): void => {
    lines.push(line);
    log?.write(`${line}\n`);
    for (const w of waiters) {
      if (w.pattern.test(line)) {
        waiters.delete(w);
        w.resolve(line);
      }
    }
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  // 'close' comes after the last output line, unlike 'exit'.
  child.once('close', () => log?.end());
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? -1);
    }),
  );
  const tail = (): string => lines.slice(-40).join('\n');

  const worker: PythonWorker = {
    child,
    lines,
    waitForLine(pattern, timeoutMs = 30_000) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = {
          pattern,
          resolve: (line: string) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`Python worker printed no line matching ${pattern} in ${timeoutMs} ms; last output:\n${tail()}`));
        }, timeoutMs);
        waiters.add(waiter);
        void exited.then((code) => {
          if (!waiters.delete(waiter)) return;
          clearTimeout(timer);
          reject(new Error(`Python worker exited (${code}) before printing ${pattern}; last output:\n${tail()}`));
        });
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      }, 30_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  try {
    await worker.waitForLine(/ ready\.$/, options.readyTimeoutMs ?? 60_000);
  } catch (err) {
    if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    throw err;
  }
  return worker;
}
