/**
 * Reads objects nested inside settings (transport options, retry policies, queue declarations):
 * each field may be written with Celery's snake_case name in Celery's units or with celeriac's
 * camelCase name in celeriac's units, and comes out under the camelCase name. Unknown fields are
 * errors with a suggestion, like unknown settings.
 */
import { isDeepStrictEqual } from 'node:util';
import { UnknownSettingError } from '../../errors.js';
import { suggest } from '../../internal/suggest.js';
import { describeValue, invalid, isPlainObject, type Codec } from './setting-spec.js';

/** A nested field: celeriac's camelCase name and the codec of its value. */
export interface FieldSpec {
  readonly key: string;
  readonly codec: Codec<unknown, never>;
}

/** Fields by Celery's snake_case name. */
export type FieldTable = Readonly<Record<string, FieldSpec>>;

/** `routing_key` → `routingKey`, `x_max_priority` → `xMaxPriority`. */
export function camelCase(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Reads `value` (must be a plain object) against `fields`. Returns a new object keyed by the
 * camelCase names, holding only the fields given.
 * @throws UnknownSettingError for a field not in `fields` (named `<name>.<field>`).
 * @throws CeleriacError('CONFIG_INVALID') for a bad value, or one field given in both spellings
 *   with different values.
 */
export function readFields(value: unknown, name: string, fields: FieldTable): Record<string, unknown> {
  if (!isPlainObject(value)) invalid(name, `expected an object, got ${describeValue(value)}`);
  const byCamel = camelIndex(fields);
  const out: Record<string, unknown> = {};
  const spelledAs: Record<string, string> = {};
  for (const [field, raw] of Object.entries(value)) {
    if (raw === undefined) continue;
    const snake = fields[field];
    const spec = snake ?? byCamel.get(field);
    if (!spec) {
      const hint = suggest(field, /[A-Z]/.test(field) ? byCamel.keys() : Object.keys(fields));
      throw new UnknownSettingError(`${name}.${field}`, hint === undefined ? undefined : `${name}.${hint}`);
    }
    const path = `${name}.${field}`;
    const parsed = snake ? spec.codec.fromCelery(raw, path) : spec.codec.fromCeleriac(raw as never, path);
    const earlier = spelledAs[spec.key];
    if (earlier !== undefined && !isDeepStrictEqual(out[spec.key], parsed)) {
      invalid(name, `'${earlier}' and '${field}' are the same field with different values; keep one`);
    }
    out[spec.key] = parsed;
    spelledAs[spec.key] = field;
  }
  return out;
}

const camelIndexes = new WeakMap<FieldTable, Map<string, FieldSpec>>();

function camelIndex(fields: FieldTable): Map<string, FieldSpec> {
  let index = camelIndexes.get(fields);
  if (!index) {
    index = new Map(Object.values(fields).map((spec) => [spec.key, spec]));
    camelIndexes.set(fields, index);
  }
  return index;
}
