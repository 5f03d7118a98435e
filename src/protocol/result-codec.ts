/**
 * {@link ResultMeta} ⇄ the JSON text Celery keeps in a result backend (celery-protocol.md §6.2;
 * `BaseBackend._get_result_meta` + `_store_result`). Every celeriac backend stores this text, so a
 * value written here is what a Python client reading `celery-task-meta-<id>` expects, and a value
 * written by a Python worker decodes here.
 *
 * Key order: `status, result, traceback, children, date_done`, then `group_id` and `parent_id` when
 * set, then the `result_extended` fields `name, args, kwargs, worker, retries, queue`, and last
 * `task_id` — the order Celery builds the dict in.
 *
 * Not yet byte-identical to Python's `json.dumps`: this uses `JSON.stringify`, so separators are
 * `,`/`:` rather than `, `/`: ` and non-ASCII is not `\u`-escaped. Python parses both the same;
 * byte equality comes when the shared `celery-json` encoder is wired in here.
 */
import { CeleriacError, DecodeError } from '../errors.js';
import type { ResultMeta } from './result-meta.js';
import type { TaskState } from './task-state.js';

/**
 * The meta of a task nothing is stored for: what Celery's `_get_task_meta_for` answers for a
 * missing key (`status` PENDING, `result` null).
 */
export function pendingResultMeta(taskId: string): ResultMeta {
  return { taskId, status: 'PENDING', result: null, traceback: null, children: [], dateDone: null };
}

/**
 * Encode a meta as Celery's stored JSON (key order in the module comment). `undefined` fields are
 * written as `null` (Celery always writes `result`, `traceback`, `date_done`); `group_id` and
 * `parent_id` only when non-empty, as Celery does for a request without a group or parent.
 *
 * @example encodeResultMeta({ taskId: 'c0a2…', status: 'SUCCESS', result: 5, traceback: null,
 *   children: [], dateDone: '2026-11-21T04:57:53.040347' })
 * // → '{"status":"SUCCESS","result":5,"traceback":null,"children":[],"date_done":"2026-…","task_id":"c0a2…"}'
 * @throws CeleriacError `ENCODE_ERROR` when the result cannot be JSON-encoded (a BigInt, a cycle).
 */
export function encodeResultMeta(meta: ResultMeta): string {
  // Built as one literal (then conditional keys in order) so V8 keeps Celery's key order and the
  // whole value is serialized by a single JSON.stringify call.
  const wire: Record<string, unknown> = {
    status: meta.status,
    result: meta.result === undefined ? null : meta.result,
    traceback: meta.traceback ?? null,
    children: meta.children ?? [],
    date_done: meta.dateDone ?? null,
  };
  if (meta.groupId) wire.group_id = meta.groupId;
  if (meta.parentId) wire.parent_id = meta.parentId;
  const extended = meta.extended;
  if (extended) {
    wire.name = extended.name ?? null;
    wire.args = extended.args ?? null;
    wire.kwargs = extended.kwargs ?? null;
    wire.worker = extended.worker ?? null;
    wire.retries = extended.retries ?? null;
    wire.queue = extended.queue ?? null;
  }
  wire.task_id = meta.taskId;
  try {
    return JSON.stringify(wire);
  } catch (cause) {
    throw new CeleriacError(
      'ENCODE_ERROR',
      `cannot encode the result of task ${meta.taskId} as JSON: ${(cause as Error).message}`,
      { cause },
    );
  }
}

const EXTENDED_KEYS = ['name', 'args', 'kwargs', 'worker', 'retries', 'queue'] as const;

/**
 * Decode a stored value. Tolerant, as Celery's reader is: a missing key takes its default
 * (`status` PENDING, `result`/`traceback`/`date_done` null, `children` []), keys it does not know
 * are ignored, and a state outside Celery's standard set (a custom `update_state(state='PROGRESS')`
 * from Python) is passed through as stored. `taskId` names the result (the key it was read under)
 * and wins over a stored `task_id`.
 *
 * @throws DecodeError when the text is not JSON or not a JSON object.
 */
export function decodeResultMeta(taskId: string, text: string): ResultMeta {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new DecodeError(`stored result of task ${taskId} is not valid JSON`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DecodeError(`stored result of task ${taskId} is not a JSON object`);
  }
  const wire = parsed as Record<string, unknown>;
  const meta: ResultMeta = {
    taskId,
    // A custom state string is kept as is (see the TSDoc above); only its absence defaults.
    status: typeof wire.status === 'string' ? (wire.status as TaskState) : 'PENDING',
    result: wire.result === undefined ? null : wire.result,
    traceback: typeof wire.traceback === 'string' ? wire.traceback : null,
    children: Array.isArray(wire.children) ? (wire.children as unknown[]) : [],
    dateDone: typeof wire.date_done === 'string' ? wire.date_done : null,
  };
  if (typeof wire.group_id === 'string') meta.groupId = wire.group_id;
  if (typeof wire.parent_id === 'string') meta.parentId = wire.parent_id;
  if (EXTENDED_KEYS.some((key) => key in wire)) {
    meta.extended = {
      name: typeof wire.name === 'string' ? wire.name : null,
      args: Array.isArray(wire.args) ? (wire.args as unknown[]) : null,
      kwargs: isPlainObject(wire.kwargs) ? wire.kwargs : null,
      worker: typeof wire.worker === 'string' ? wire.worker : null,
      retries: typeof wire.retries === 'number' ? wire.retries : null,
      queue: typeof wire.queue === 'string' ? wire.queue : null,
    };
  }
  return meta;
}

/** Re-exported for callers that build metas: the one `date_done` formatter lives in celery-date.ts. */
export { formatDateDone } from './celery-date.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
