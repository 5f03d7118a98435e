/**
 * What a worker does for each remote-control command (Celery's `celery/worker/control.py`
 * `@control_command`s), with Celery's argument names and reply values. A command not listed here
 * is answered with an error, as kombu's node does for an unknown method.
 */
import type { ControlRequest } from '../protocol/control-message.js';
import type { ControlTarget } from './control-target.js';

/** One command: its arguments (Celery's names) → the reply value sent back when asked. */
export type ControlHandler = (target: ControlTarget, args: Readonly<Record<string, unknown>>, request: ControlRequest) => unknown;

function ok(text: string): { ok: string } {
  return { ok: text };
}

/** Celery sends one id as a string and several as a list (`maybe_list`). */
function taskIds(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return [...new Set(items.filter((id): id is string => typeof id === 'string' && id !== ''))];
}

export const controlHandlers: Readonly<Record<string, ControlHandler>> = Object.freeze({
  ping: () => ok('pong'),

  revoke: (target, args, request) => {
    const ids = taskIds(args.task_id);
    const terminate = args.terminate === true;
    const signal = typeof args.signal === 'string' && args.signal !== '' ? args.signal : 'SIGTERM';
    const broadcast = request.destination === null && request.pattern === null;
    const terminated = target.revoke(ids, { terminate, signal, broadcast });
    if (terminate) return ok(terminated.length === 0 ? 'terminate: tasks unknown' : `terminate: ${terminated.join(', ')}`);
    return ok(`tasks ${ids.join(', ')} flagged as revoked`);
  },
});
