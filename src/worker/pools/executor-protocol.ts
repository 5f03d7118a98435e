/**
 * Messages between the worker and a pool thread or child process (an *executor*). The worker
 * sends calls; the executor runs the task function in its own copy of the app and answers with
 * the outcome as data (`outcome-codec.ts`). Everything here crosses by structured clone.
 */
import type { AppBootstrap } from '../../app/app-bootstrap.js';
import type { TaskRequest } from '../../app/task-types.js';
import type { WireOutcome } from './outcome-codec.js';

/** What an executor is started with. */
export interface ExecutorInit {
  bootstrap: AppBootstrap;
  /** The worker's node name (`sender` of `worker_process_init`). */
  hostname: string;
  queues: string[];
  concurrency: number;
  /** Logging as the worker set it up (`-l`, `--logfile`); null: the app's own. */
  logging: { loglevel: string; logfile?: string; format?: 'celery' | 'json' } | null;
}

export type ToExecutor =
  | { type: 'call'; seq: number; name: string; request: TaskRequest }
  /** The soft time limit passed: abort the running call's `ctx.signal` with SoftTimeLimitExceeded. */
  | { type: 'soft-limit'; seq: number; limitSeconds: number }
  /** Finish, close the app's connections and exit. */
  | { type: 'stop' };

export type FromExecutor =
  | { type: 'ready' }
  | { type: 'init-failed'; message: string }
  /** `memoryBytes`: the executor's memory after the call (process: peak resident set; thread: its heap). */
  | { type: 'outcome'; seq: number; outcome: WireOutcome; memoryBytes: number };
