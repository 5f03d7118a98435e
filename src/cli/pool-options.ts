/**
 * The worker's pool and limit flags, as Celery's `celery worker` spells them: `-P`,
 * `--max-tasks-per-child`, `--max-memory-per-child` (KiB), `--autoscale max,min`,
 * `--time-limit` / `--soft-time-limit` (seconds), plus flags accepted for compatibility where
 * celeriac already behaves that way (`-O fair`) or has nothing to turn off (`--without-gossip`,
 * `--without-mingle`, `--without-heartbeat`).
 */
import type { Command } from 'commander';
import type { AppBootstrap } from '../app/app-bootstrap.js';
import type { Celery } from '../app/celery.js';
import { poolKind } from '../app/config/celery-value-codecs.js';
import type { WorkerOptions } from '../worker/worker.js';
import { positiveInt, UsageError } from './context.js';

export interface PoolCliOptions {
  pool?: string;
  maxTasksPerChild?: string;
  maxMemoryPerChild?: string;
  autoscale?: string;
  timeLimit?: string;
  softTimeLimit?: string;
  O?: string;
  withoutGossip?: boolean;
  withoutMingle?: boolean;
  withoutHeartbeat?: boolean;
}

export function addPoolOptions(command: Command): Command {
  return command
    .option('-P, --pool <kind>', 'async, threads or processes (prefork → processes; solo, eventlet, gevent → async) (default: worker_pool)')
    .option('--max-tasks-per-child <n>', 'replace a pool thread or child after n tasks (default: worker_max_tasks_per_child)')
    .option('--max-memory-per-child <KiB>', 'replace a pool thread or child past this memory, in KiB (default: worker_max_memory_per_child)')
    .option('--autoscale <max,min>', 'grow the pool up to max slots while tasks wait, shrink to min when idle')
    .option('--time-limit <seconds>', 'hard time limit of every task (task_time_limit)')
    .option('--soft-time-limit <seconds>', 'soft time limit of every task (task_soft_time_limit)')
    .option('-O <profile>', "optimization profile: 'fair' (how celeriac always dispatches) or 'default'")
    .option('--without-gossip', 'accepted for compatibility: celeriac workers do not gossip')
    .option('--without-mingle', 'accepted for compatibility: celeriac workers do not mingle at start-up')
    .option('--without-heartbeat', 'accepted for compatibility: celeriac sends no worker heartbeat events');
}

function seconds(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a number of seconds > 0, got '${text}'`);
  return n;
}

/**
 * The pool part of the worker's options; time limits go into the app's config (as Celery's
 * flags set `task_time_limit`).
 * @throws UsageError for a bad value.
 */
export function poolOptionsFrom(o: PoolCliOptions, app: Celery, bootstrap: AppBootstrap | null): Partial<WorkerOptions> {
  let pool: WorkerOptions['pool'];
  if (o.pool !== undefined) {
    try {
      pool = poolKind().fromCelery(o.pool, '--pool');
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  if (o.O !== undefined && o.O !== 'fair' && o.O !== 'default') throw new UsageError(`-O must be 'fair' or 'default', got '${o.O}'`);
  let autoscale: WorkerOptions['autoscale'];
  if (o.autoscale !== undefined) {
    const [max, min = '1'] = o.autoscale.split(',').map((p) => p.trim());
    autoscale = { max: positiveInt('--autoscale max', max)!, min: positiveInt('--autoscale min', min)! };
    if (autoscale.min > autoscale.max) throw new UsageError(`--autoscale is max,min with max ≥ min, got '${o.autoscale}'`);
  }
  const maxMemoryKiB = positiveInt('--max-memory-per-child', o.maxMemoryPerChild);
  const limits: Record<string, number> = {};
  const hard = seconds('--time-limit', o.timeLimit);
  const soft = seconds('--soft-time-limit', o.softTimeLimit);
  if (hard !== undefined) limits.task_time_limit = hard;
  if (soft !== undefined) limits.task_soft_time_limit = soft;
  if (Object.keys(limits).length > 0) app.conf.override(limits);
  const options: Partial<WorkerOptions> = {};
  if (pool !== undefined) options.pool = pool;
  if (bootstrap) options.appModule = bootstrap;
  if (autoscale) options.autoscale = autoscale;
  const maxTasks = positiveInt('--max-tasks-per-child', o.maxTasksPerChild);
  if (maxTasks !== undefined) options.maxTasksPerChild = maxTasks;
  if (maxMemoryKiB !== undefined) options.maxMemoryPerChildBytes = maxMemoryKiB * 1024;
  return options;
}
