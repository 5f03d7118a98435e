// Spawning `celeriac worker` processes for integration tests, and waiting on their output
// rather than sleeping.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = `${projectRoot}bin/celeriac.js`;

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves with the first stdout line matching `pattern`. */
  waitForLine(pattern: RegExp): Promise<string>;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  /** Everything the worker has written to stderr so far, for failure messages. */
  stderr(): string;
}

/**
 * Start `celeriac worker <args>` and return at once. `waitForLine` watches stdout, and stderr
 * too (the log) with `watchStderr`.
 */
export function launchWorker(args: string[], env: Record<string, string>, options: { watchStderr?: boolean } = {}): WorkerProcess {
  const child = spawn(process.execPath, [cliPath, 'worker', ...args], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const onLine = (line: string): void => {
    lines.push(line);
    for (const w of [...waiters]) {
      if (w.pattern.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  if (options.watchStderr === true) createInterface({ input: child.stderr }).on('line', onLine);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    exited,
    stderr: () => stderr,
    waitForLine(pattern) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void exited.then((code) => reject(new Error(`worker exited (${code}) before printing ${pattern}:\n${stderr}`)));
      });
    },
  };
}

/** Start `celeriac worker <args>` and resolve once it prints its ready line. */
export function spawnWorker(args: string[], env: Record<string, string>, readyTimeoutMs = 60_000): Promise<WorkerProcess> {
  const proc = launchWorker(args, env);
  const { child } = proc;
  // A worker that never gets ready is killed, so a failing test leaves no process behind.
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker not ready after ${readyTimeoutMs} ms:\n${proc.stderr()}`));
    }, readyTimeoutMs);
  });
  return Promise.race([proc.waitForLine(/ready/), timedOut])
    .then(() => proc)
    .finally(() => clearTimeout(timer));
}

/** Warm-stops every worker still running (SIGTERM) and resolves with their exit codes. */
export async function stopAll(workers: readonly WorkerProcess[]): Promise<Array<number | string>> {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  return Promise.all(workers.map((w) => w.exited));
}
