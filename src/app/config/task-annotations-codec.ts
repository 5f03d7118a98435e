/**
 * `task_annotations`: task attributes overridden from configuration, by task name or `'*'` for
 * every task (seed 003: `{'*': {'on_failure': my_on_failure}}`). Celery accepts a map, an object
 * with an `annotate(task)` method, or a list of those. celeriac reads them once into a list of
 * maps and functions, with attribute names camelCased. Durations keep Celery's seconds, as
 * celeriac's task options do (`time_limit` → `timeLimit`, `default_retry_delay` →
 * `defaultRetryDelay`), except `expires`, which becomes `expiresMs`.
 */
import { camelCase } from './field-reader.js';
import { describeValue, invalid, isPlainObject, type Codec } from './setting-spec.js';

/** Task attributes to apply, camelCase (`rateLimit`, `timeLimit`, `onFailure`...). */
export type TaskAnnotationAttrs = Readonly<Record<string, unknown>>;

/** An annotator: attributes for the named task, or nothing. */
export type TaskAnnotator = (taskName: string) => TaskAnnotationAttrs | null | undefined;

/** One normalized annotation: task name (or `'*'`) → attributes, or an annotator function. */
export type TaskAnnotation = ReadonlyMap<string, TaskAnnotationAttrs> | TaskAnnotator;

type AnnotationInput = Readonly<Record<string, Readonly<Record<string, unknown>>>> | TaskAnnotator | { annotate(task: { name: string }): unknown };

/** Everything Celery accepts for `task_annotations` (minus import-path strings). */
export type TaskAnnotationsInput = AnnotationInput | readonly AnnotationInput[];

/** Celery task attributes given in seconds, and the ms attribute each becomes. */
const SECONDS_TO_MS: Readonly<Record<string, string>> = {
  expires: 'expiresMs',
};

function readAttrs(value: unknown, name: string): TaskAnnotationAttrs {
  if (!isPlainObject(value)) invalid(name, `expected an object of task attributes, got ${describeValue(value)}`);
  const attrs: Record<string, unknown> = {};
  for (const [key, attr] of Object.entries(value)) {
    if (attr === undefined) continue;
    const msKey = SECONDS_TO_MS[key];
    if (msKey !== undefined && typeof attr === 'number') {
      if (!Number.isFinite(attr) || attr < 0) invalid(`${name}.${key}`, `expected a non-negative number of seconds, got ${attr}`);
      attrs[msKey] = Math.round(attr * 1000);
    } else {
      attrs[camelCase(key)] = attr;
    }
  }
  return Object.freeze(attrs);
}

function readAnnotation(value: unknown, name: string): TaskAnnotation {
  if (typeof value === 'function') {
    // Read what it returns like a map's attributes (camelCase, units), as for annotator objects.
    const annotate = value as (taskName: string) => unknown;
    return (taskName) => {
      const attrs = annotate(taskName);
      return attrs === null || attrs === undefined ? undefined : readAttrs(attrs, `${name}('${taskName}')`);
    };
  }
  if (typeof value === 'string') {
    invalid(name, `annotation import paths (${describeValue(value)}) are not supported; pass the object itself`);
  }
  if (typeof value === 'object' && value !== null && typeof (value as { annotate?: unknown }).annotate === 'function') {
    const annotator = value as { annotate(task: { name: string }): unknown };
    return (taskName) => {
      const attrs = annotator.annotate({ name: taskName });
      return attrs === null || attrs === undefined ? undefined : readAttrs(attrs, `${name}.annotate('${taskName}')`);
    };
  }
  if (!isPlainObject(value)) invalid(name, `expected a map of task names to attributes, got ${describeValue(value)}`);
  return new Map(Object.entries(value).map(([task, attrs]) => [task, readAttrs(attrs, `${name}.${task}`)]));
}

/** `task_annotations` → `readonly TaskAnnotation[]` (empty when unset; `null` reads as empty). */
export function taskAnnotations(): Codec<readonly TaskAnnotation[], TaskAnnotationsInput | null> {
  const read = (value: unknown, name: string): readonly TaskAnnotation[] => {
    if (value === null) return Object.freeze([]);
    const list = Array.isArray(value) ? value : [value];
    return Object.freeze(list.map((item, i) => readAnnotation(item, Array.isArray(value) ? `${name}[${i}]` : name)));
  };
  return Object.freeze({ type: 'TaskAnnotation[]', nullable: true, env: 'json', fromCelery: read, fromCeleriac: read });
}
