/**
 * Starting an executor — a worker_thread (`-P threads`) or a child process (`-P processes`) —
 * running `bin/pool-executor.js`, and talking to it through one small interface.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker as Thread } from 'node:worker_threads';
import type { ExecutorInit, FromExecutor, ToExecutor } from './executor-protocol.js';

/** The executor entry, relative to this file (src/worker/pools or dist/worker/pools → bin). */
const ENTRY = new URL('../../../bin/pool-executor.js', import.meta.url);

/**
 * Tells the executor to run this same copy of celeriac: compiled (dist/, where this file is
 * JavaScript) or the TypeScript sources.
 */
const executorEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  CELERIAC_EXECUTOR_RUNTIME: import.meta.url.endsWith('.ts') ? 'source' : 'dist',
});

export interface ExecutorChannel {
  /** Thread id or process id, for logs. */
  readonly id: number;
  send(message: ToExecutor): void;
  onMessage(handler: (message: FromExecutor) => void): void;
  /** Called once when the executor has ended, with how (`exit code 0`, `signal SIGKILL`). */
  onExit(handler: (how: string) => void): void;
  /** End it now (terminate the thread, SIGKILL the child). */
  kill(): void;
}

export type SpawnExecutor = (init: ExecutorInit) => ExecutorChannel;

/** A worker_thread running the executor. */
export const spawnThread: SpawnExecutor = (init) => {
  const thread = new Thread(ENTRY, { workerData: init, env: executorEnv(), stdout: false, stderr: false });
  return {
    id: thread.threadId,
    send: (m) => thread.postMessage(m),
    onMessage: (h) => thread.on('message', h),
    onExit: (h) => {
      let error = '';
      thread.on('error', (err) => (error = `: ${err.message}`));
      thread.once('exit', (code) => h(`exit code ${code}${error}`));
    },
    kill: () => void thread.terminate(),
  };
};

/** A child process running the executor (structured-clone IPC, as threads use). */
export const spawnProcess: SpawnExecutor = (init) => {
  const child = fork(fileURLToPath(ENTRY), [JSON.stringify(init)], {
    serialization: 'advanced',
    env: executorEnv(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // A message racing the child's exit fails with EPIPE; its 'exit' tells the rest.
  child.on('error', () => {});
  return {
    id: child.pid ?? -1,
    send: (m) => {
      if (child.connected) child.send(m);
    },
    onMessage: (h) => child.on('message', (m) => h(m as FromExecutor)),
    onExit: (h) => child.once('exit', (code, signal) => h(signal ? `signal ${signal}` : `exit code ${code}`)),
    kill: () => void child.kill('SIGKILL'),
  };
};
