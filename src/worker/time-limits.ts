/**
 * Which time limits apply to one run, as Celery decides (celery/app/trace.py and
 * worker/request.py): the message's `timelimit` header `[hard, soft]` (set per call by
 * `applyAsync({ timeLimit, softTimeLimit })`), else the task's `timeLimit` / `softTimeLimit`,
 * else `task_time_limit` / `task_soft_time_limit`. Celery's values are seconds; these are ms.
 */
import type { TaskOptions } from '../app/task-types.js';

export interface TimeLimits {
  timeLimitMs: number | null;
  softTimeLimitMs: number | null;
}

/** A limit given in seconds, or null when absent or 0 (Celery treats 0 as "none"). */
function secondsToMs(seconds: number | null | undefined): number | null {
  return seconds === null || seconds === undefined || !(seconds > 0) ? null : Math.round(seconds * 1000);
}

/**
 * @param header the message's `timelimit` header, seconds.
 * @param options the task's effective options (seconds).
 * @param defaults the global settings, ms.
 */
export function timeLimitsOf(
  header: readonly [number | null, number | null],
  options: Pick<TaskOptions, 'timeLimit' | 'softTimeLimit'>,
  defaults: TimeLimits,
): TimeLimits {
  return {
    timeLimitMs: secondsToMs(header[0]) ?? secondsToMs(options.timeLimit) ?? defaults.timeLimitMs,
    softTimeLimitMs: secondsToMs(header[1]) ?? secondsToMs(options.softTimeLimit) ?? defaults.softTimeLimitMs,
  };
}
