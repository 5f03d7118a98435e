/**
 * Codecs for scalar and simple settings: strings, choices, booleans, numbers, durations, sizes,
 * lists and plain objects. Values arrive from TypeScript, JSON/YAML files, Python-style config
 * modules and environment text, so every codec validates at run time whatever the static type.
 */
import { describeValue, invalid, isPlainObject, type Codec, type EnvSyntax } from './setting-spec.js';

function codec<T>(type: string, env: EnvSyntax, parse: (value: unknown, name: string) => T, units: { unit?: string; celeryUnit?: string } = {}): Codec<T> {
  return Object.freeze({ type, env, nullable: false, fromCelery: parse, fromCeleriac: parse, ...units });
}

/** Accepts `null` (Celery's `None`) besides whatever `inner` accepts. */
export function nullable<T, I>(inner: Codec<T, I>): Codec<T | null, I | null> {
  return Object.freeze({
    ...inner,
    type: `${inner.type} | null`,
    nullable: true,
    fromCelery: (value: unknown, name: string) => (value === null ? null : inner.fromCelery(value, name)),
    fromCeleriac: (value: I | null, name: string) => (value === null ? null : inner.fromCeleriac(value, name)),
  });
}

/** A string; `nonEmpty` refuses `''`. */
export function text(options: { nonEmpty?: boolean } = {}): Codec<string> {
  return codec('string', 'text', (value, name) => {
    if (typeof value !== 'string') invalid(name, `expected a string, got ${describeValue(value)}`);
    if (options.nonEmpty && value === '') invalid(name, 'must not be empty');
    return value;
  });
}

/**
 * One of a fixed set of strings. `aliases` maps other accepted spellings (Celery's names for the
 * same thing) onto a choice, converting once at load time.
 */
export function choice<const V extends string>(values: readonly V[], aliases: Readonly<Record<string, V>> = {}): Codec<V> {
  const all = [...values, ...Object.keys(aliases)];
  return codec(values.map((v) => `'${v}'`).join(' | '), 'text', (value, name) => {
    if (typeof value === 'string') {
      if ((values as readonly string[]).includes(value)) return value as V;
      const alias = aliases[value];
      if (alias !== undefined) return alias;
    }
    return invalid(name, `expected one of ${all.map((v) => `'${v}'`).join(', ')}, got ${describeValue(value)}`);
  });
}

/** `true` or `false`; strings like `'yes'` are read only from environment variables. */
export function bool(): Codec<boolean> {
  return codec('boolean', 'boolean', (value, name) => {
    if (typeof value !== 'boolean') invalid(name, `expected true or false, got ${describeValue(value)}`);
    return value;
  });
}

interface NumberOptions {
  min?: number;
  max?: number;
  /** Unit of the number on both sides (no conversion), for the docs. */
  unit?: string;
}

function bounds(options: NumberOptions): string {
  if (options.min !== undefined && options.max !== undefined) return ` ${options.min}..${options.max}`;
  if (options.min !== undefined) return ` ≥ ${options.min}`;
  if (options.max !== undefined) return ` ≤ ${options.max}`;
  return '';
}

function checkNumber(value: unknown, name: string, options: NumberOptions & { integer: boolean; infinite?: boolean }): number {
  if (typeof value !== 'number' || Number.isNaN(value)) invalid(name, `expected a number, got ${describeValue(value)}`);
  if (!Number.isFinite(value) && !(options.infinite && value === Infinity)) invalid(name, `expected a finite number, got ${value}`);
  if (options.integer && Number.isFinite(value) && !Number.isInteger(value)) invalid(name, `expected an integer, got ${value}`);
  if (options.min !== undefined && value < options.min) invalid(name, `must be ≥ ${options.min}, got ${value}`);
  if (options.max !== undefined && value > options.max) invalid(name, `must be ≤ ${options.max}, got ${value}`);
  return value;
}

/** An integer, optionally bounded. */
export function int(options: NumberOptions = {}): Codec<number> {
  const units = options.unit ? { unit: options.unit, celeryUnit: options.unit } : {};
  return codec(`integer${bounds(options)}`, 'number', (value, name) => checkNumber(value, name, { ...options, integer: true }), units);
}

/** A number, optionally bounded; `infinite` also allows `Infinity` (Celery's `float('inf')`). */
export function num(options: NumberOptions & { infinite?: boolean } = {}): Codec<number> {
  const units = options.unit ? { unit: options.unit, celeryUnit: options.unit } : {};
  return codec(`number${bounds(options)}`, 'number', (value, name) => checkNumber(value, name, { ...options, integer: false }), units);
}

const TIMEDELTA_MS: Readonly<Record<string, number>> = {
  weeks: 604_800_000,
  days: 86_400_000,
  hours: 3_600_000,
  minutes: 60_000,
  seconds: 1000,
  milliseconds: 1,
  microseconds: 0.001,
};

/**
 * Milliseconds in a `timedelta`-like object (`{ hours: 1, minutes: 30 }`): Python's `timedelta`
 * keyword arguments, which is how a pasted `timedelta(days=1)` reads in JSON or YAML.
 */
export function timedeltaToMs(value: Record<string, unknown>, name: string): number {
  let total = 0;
  const keys = Object.keys(value);
  if (keys.length === 0) invalid(name, 'an empty duration object; use e.g. { seconds: 30 }');
  for (const key of keys) {
    const factor = TIMEDELTA_MS[key];
    if (factor === undefined) {
      invalid(name, `unknown duration field '${key}' (use ${Object.keys(TIMEDELTA_MS).join(', ')})`);
    }
    total += checkNumber(value[key], `${name}.${key}`, { integer: false }) * factor;
  }
  return Math.round(total);
}

/**
 * A non-negative duration. Under a Celery name it is seconds (a number, fractions allowed) as in
 * Celery; under the camelCase key it is milliseconds. Either side also takes a `timedelta`-like
 * object. Stored as whole milliseconds (rounded).
 */
export function duration(): Codec<number> {
  const read = (scale: number) => (value: unknown, name: string): number => {
    const ms = isPlainObject(value) ? timedeltaToMs(value, name) : Math.round(checkNumber(value, name, { integer: false }) * scale);
    if (ms < 0) invalid(name, `must not be negative, got ${describeValue(value)}`);
    return ms;
  };
  return Object.freeze({
    type: 'duration',
    unit: 'ms',
    celeryUnit: 's',
    nullable: false,
    env: 'number',
    fromCelery: read(1000),
    fromCeleriac: read(1),
  });
}

/** A size: kibibytes under the Celery name (as Celery's `worker_max_memory_per_child`), bytes under ours. */
export function kibibytes(): Codec<number> {
  const read = (scale: number) => (value: unknown, name: string) => checkNumber(value, name, { integer: true, min: 1 }) * scale;
  return Object.freeze({
    type: 'integer ≥ 1',
    unit: 'bytes',
    celeryUnit: 'KiB',
    nullable: false,
    env: 'number',
    fromCelery: read(1024),
    fromCeleriac: read(1),
  });
}

/**
 * A list of strings (Celery accepts lists, tuples and sets). With `single`, a lone string counts
 * as a one-element list (Python would iterate its characters; nobody means that).
 */
export function stringList(options?: { single?: false }): Codec<readonly string[], readonly string[] | ReadonlySet<string>>;
export function stringList(options: { single: true }): Codec<readonly string[], readonly string[] | ReadonlySet<string> | string>;
export function stringList(options: { single?: boolean } = {}): Codec<readonly string[], readonly string[] | ReadonlySet<string> | string> {
  return codec(options.single ? 'string[] | string' : 'string[]', 'list', (value, name) => {
    if (options.single && typeof value === 'string') return Object.freeze([value]);
    if (!Array.isArray(value) && !(value instanceof Set)) invalid(name, `expected a list of strings, got ${describeValue(value)}`);
    const list = [...(value as Iterable<unknown>)];
    list.forEach((item, i) => {
      if (typeof item !== 'string') invalid(`${name}[${i}]`, `expected a string, got ${describeValue(item)}`);
    });
    return Object.freeze(list as string[]);
  });
}

/** A plain object (Celery's `dict`), copied and frozen one level deep. */
export function record(): Codec<Readonly<Record<string, unknown>>> {
  return codec('object', 'json', (value, name) => {
    if (!isPlainObject(value)) invalid(name, `expected an object, got ${describeValue(value)}`);
    return Object.freeze({ ...value });
  });
}

/** `true`/`false`, or an options object (TLS settings: `broker_use_ssl`). */
export function boolOrRecord(): Codec<boolean | Readonly<Record<string, unknown>>> {
  const options = record();
  return codec('boolean | object', 'json', (value, name) => (typeof value === 'boolean' ? value : options.fromCelery(value, name)));
}

/** Anything at all, kept as given (Celery's `type='any'` settings celeriac does not act on). */
export function anything(): Codec<unknown> {
  return codec('any', 'json', (value) => value);
}
