/**
 * A task's effective options, merged as Celery builds a task class: the `base` chain (deepest
 * first, like a class's MRO read from `object` down), then the task's own options, then
 * `task_annotations` — the first annotation with an entry for the task's name, then the first
 * with `'*'`, so `'*'` wins a conflict, exactly as Celery's `Task.annotate` (celery/app/task.py,
 * celery/app/annotations.py `resolve_all`). Keys starting with `@` wrap a handler
 * (`'@onFailure': (orig) => wrapped`, Celery's `add_around`).
 */
import { CeleriacError } from '../errors.js';
import { parseRateLimit } from '../internal/rate-limit.js';
import { suggest } from '../internal/suggest.js';
import type { TaskAnnotation, TaskAnnotationAttrs } from './config/task-annotations-codec.js';
import type { TaskBase, TaskHookName, TaskOptions } from './task-types.js';

/** The handler names, in the order the tracer calls them. */
export const TASK_HOOK_NAMES = ['beforeStart', 'onSuccess', 'onFailure', 'onRetry', 'afterReturn'] as const satisfies readonly TaskHookName[];

/** Every key of {@link TaskOptions}; the check below fails to compile when one is missing. */
export const TASK_OPTION_NAMES = [
  'name',
  'bind',
  'ignoreResult',
  'trackStarted',
  'acksLate',
  'serializer',
  'compression',
  'queue',
  'params',
  'base',
  'maxRetries',
  'defaultRetryDelay',
  'autoretryFor',
  'retryKwargs',
  'retryBackoff',
  'retryBackoffMax',
  'retryJitter',
  'rateLimit',
  'timeLimit',
  'softTimeLimit',
  ...TASK_HOOK_NAMES,
] as const satisfies ReadonlyArray<keyof TaskOptions>;

type Unlisted = Exclude<keyof TaskOptions, (typeof TASK_OPTION_NAMES)[number]>;
const allListed: [Unlisted] extends [never] ? true : Unlisted = true;
void allListed;

const KNOWN: ReadonlySet<string> = new Set(TASK_OPTION_NAMES);
/** What a base may contribute (a base never names, binds or declares parameters). */
const BASE_KEYS = TASK_OPTION_NAMES.filter((k) => k !== 'name' && k !== 'bind' && k !== 'params' && k !== 'base');

/**
 * Merge the `base` chain under the task's own options and check the values.
 * @throws CeleriacError('CONFIG_INVALID') for a bad value or a base that is its own ancestor.
 */
export function mergeDeclaredOptions(own: TaskOptions): TaskOptions {
  const chain: TaskBase[] = [];
  const seen = new Set<TaskBase>();
  for (let base = own.base; base !== undefined && base !== null; base = base.base) {
    if (seen.has(base)) throw invalid(own.name, 'base', 'is its own base (a cycle)');
    seen.add(base);
    chain.unshift(base);
  }
  const merged: Record<string, unknown> = {};
  for (const base of chain) {
    // Property reads (not spreading) so class instances contribute prototype methods too.
    for (const key of BASE_KEYS) {
      const value = (base as Record<string, unknown>)[key];
      if (value !== undefined) merged[key] = value;
    }
  }
  for (const [key, value] of Object.entries(own)) if (value !== undefined) merged[key] = value;
  const options = merged as unknown as TaskOptions;
  checkOptions(options);
  return options;
}

/** The annotation attributes that apply to `taskName`, in the order Celery applies them. */
export function annotationsFor(taskName: string, annotations: readonly TaskAnnotation[]): TaskAnnotationAttrs[] {
  const out: TaskAnnotationAttrs[] = [];
  for (const annotation of annotations) {
    const attrs = typeof annotation === 'function' ? annotation(taskName) : annotation.get(taskName);
    if (attrs) {
      out.push(attrs);
      break;
    }
  }
  for (const annotation of annotations) {
    if (typeof annotation === 'function') continue;
    const attrs = annotation.get('*');
    if (attrs) {
      out.push(attrs);
      break;
    }
  }
  return out;
}

/**
 * Apply annotation attributes over `declared`. Attributes that are not celeriac task options
 * are kept (Celery sets any attribute) and reported through `warn` with a suggestion.
 * @throws CeleriacError('CONFIG_INVALID') for a bad value or an `@` wrapper that is not a function.
 */
export function applyAnnotations(declared: TaskOptions, attrsList: readonly TaskAnnotationAttrs[], warn: (message: string) => void): TaskOptions {
  if (attrsList.length === 0) return declared;
  const merged: Record<string, unknown> = { ...declared };
  for (const attrs of attrsList) {
    for (const [key, value] of Object.entries(attrs)) {
      if (key.startsWith('@')) {
        const attr = key.slice(1);
        if (typeof value !== 'function') throw invalid(declared.name, `task_annotations '${key}'`, 'must be a function (orig) => replacement');
        merged[attr] = (value as (orig: unknown) => unknown)(merged[attr]);
        continue;
      }
      if (key === 'name' || key === 'bind' || key === 'params') {
        throw invalid(declared.name, `task_annotations '${key}'`, 'cannot be changed by an annotation');
      }
      if (!KNOWN.has(key)) {
        const near = suggest(key, TASK_OPTION_NAMES);
        warn(`task_annotations: '${key}' for task '${declared.name}' is not a celeriac task option; kept but unused${near ? ` (did you mean '${near}'?)` : ''}`);
      }
      merged[key] = value;
    }
  }
  const options = merged as unknown as TaskOptions;
  checkOptions(options);
  return options;
}

function invalid(task: string, what: string, why: string): CeleriacError {
  return new CeleriacError('CONFIG_INVALID', `task '${task}': ${what} ${why}`);
}

function isNonNegative(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/** @throws CeleriacError('CONFIG_INVALID') naming the option and what was wrong. */
function checkOptions(o: TaskOptions): void {
  const name = o.name;
  if (o.maxRetries !== undefined && o.maxRetries !== null && !(Number.isInteger(o.maxRetries) && o.maxRetries >= 0)) {
    throw invalid(name, 'maxRetries', `must be a whole number ≥ 0 or null (forever), got ${String(o.maxRetries)}`);
  }
  if (o.defaultRetryDelay !== undefined && !isNonNegative(o.defaultRetryDelay)) {
    throw invalid(name, 'defaultRetryDelay', `must be seconds ≥ 0, got ${String(o.defaultRetryDelay)}`);
  }
  if (o.retryBackoff !== undefined && typeof o.retryBackoff !== 'boolean' && !isNonNegative(o.retryBackoff)) {
    throw invalid(name, 'retryBackoff', `must be true/false or seconds ≥ 0, got ${String(o.retryBackoff)}`);
  }
  if (o.retryBackoffMax !== undefined && !isNonNegative(o.retryBackoffMax)) {
    throw invalid(name, 'retryBackoffMax', `must be seconds ≥ 0, got ${String(o.retryBackoffMax)}`);
  }
  for (const key of ['timeLimit', 'softTimeLimit'] as const) {
    const value = o[key];
    if (value !== undefined && value !== null && !isNonNegative(value)) throw invalid(name, key, `must be seconds ≥ 0 or null, got ${String(value)}`);
  }
  if (o.retryJitter !== undefined && typeof o.retryJitter !== 'boolean') {
    throw invalid(name, 'retryJitter', `must be true or false, got ${String(o.retryJitter)}`);
  }
  if (o.autoretryFor !== undefined && !(Array.isArray(o.autoretryFor) && o.autoretryFor.every((c) => typeof c === 'function'))) {
    throw invalid(name, 'autoretryFor', 'must be a list of error classes');
  }
  const kw = o.retryKwargs;
  if (kw !== undefined) {
    if (kw.countdown !== undefined && !isNonNegative(kw.countdown)) throw invalid(name, 'retryKwargs.countdown', `must be seconds ≥ 0, got ${String(kw.countdown)}`);
    if (kw.maxRetries !== undefined && kw.maxRetries !== null && !(Number.isInteger(kw.maxRetries) && kw.maxRetries >= 0)) {
      throw invalid(name, 'retryKwargs.maxRetries', `must be a whole number ≥ 0 or null, got ${String(kw.maxRetries)}`);
    }
  }
  const rate = o.rateLimit;
  if (rate !== undefined && rate !== null) {
    const spec = typeof rate === 'object' ? rate : { limit: rate, scope: 'worker' };
    if (spec.scope !== 'worker' && spec.scope !== 'global') throw invalid(name, 'rateLimit.scope', `must be 'worker' or 'global', got ${String(spec.scope)}`);
    try {
      parseRateLimit(spec.limit);
    } catch (err) {
      throw invalid(name, 'rateLimit', (err as Error).message);
    }
  }
  for (const hook of TASK_HOOK_NAMES) {
    const fn = (o as unknown as Record<string, unknown>)[hook];
    if (fn !== undefined && typeof fn !== 'function') throw invalid(name, hook, `must be a function, got ${typeof fn}`);
  }
}
