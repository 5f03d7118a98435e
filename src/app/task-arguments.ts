/**
 * How a message's `args` and `kwargs` become a JS call. Python passes keyword arguments by name;
 * JS has only positions. With `params` declared, kwargs land on their positions (as in Python);
 * otherwise a non-empty kwargs object is appended as one last argument.
 */
import { CeleriacError } from '../errors.js';
import type { TaskOptions } from './task-types.js';

/**
 * @throws CeleriacError('INVALID_TASK_MESSAGE') when a keyword names no declared parameter or
 *   fills a position already given — Python's `TypeError` for the same call.
 */
export function buildCallArgs(options: Pick<TaskOptions, 'name' | 'params'>, args: unknown[], kwargs: Record<string, unknown>): unknown[] {
  let empty = true;
  for (const _ in kwargs) {
    empty = false;
    break;
  }
  if (empty) return args;
  const params = options.params;
  if (!params) return [...args, kwargs];
  const out = args.slice();
  for (const key of Object.keys(kwargs)) {
    const index = params.indexOf(key);
    if (index === -1) {
      throw new CeleriacError('INVALID_TASK_MESSAGE', `${options.name}() got an unexpected keyword argument '${key}'`);
    }
    if (index < args.length) {
      throw new CeleriacError('INVALID_TASK_MESSAGE', `${options.name}() got multiple values for argument '${key}'`);
    }
    out[index] = kwargs[key];
  }
  return out;
}
