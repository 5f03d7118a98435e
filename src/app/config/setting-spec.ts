/**
 * The shape of one row of the settings table: Celery's names for a setting, celeriac's key, the
 * default, and the codec that turns what a user wrote into the one typed value celeriac keeps.
 */
import { CeleriacError } from '../../errors.js';

/**
 * How the text of a `CELERIAC_<NAME>` environment variable is read before the codec sees it:
 * `text` as is; `boolean` from true/false/1/0/yes/no/on/off; `number` with `Number()` (`inf`
 * allowed); `list` as a JSON array or comma-separated; `json` as JSON.
 */
export type EnvSyntax = 'text' | 'boolean' | 'number' | 'list' | 'json';

/**
 * Parses and validates one setting's value. `T` is the value celeriac keeps (celeriac's units);
 * `I` what a camelCase key accepts (usually `T`, wider for settings with Celery-shaped input).
 * Both parse functions throw `CeleriacError('CONFIG_INVALID', '<name>: <why>')`.
 */
export interface Codec<T, I = T> {
  /** The value's type in words, for docs and messages (`integer ≥ 1 | null`). */
  readonly type: string;
  /** Unit of celeriac's value (`ms`, `bytes`), when it has one. */
  readonly unit?: string;
  /** Unit Celery's setting is written in (`s`, `KiB`), when it differs from {@link unit}. */
  readonly celeryUnit?: string;
  /** Whether `null` (Celery's `None`) is a valid value. */
  readonly nullable: boolean;
  readonly env: EnvSyntax;
  /** Reads a value written under a Celery name (lower-case or old upper-case): Celery's units. */
  fromCelery(value: unknown, name: string): T;
  /**
   * Reads a value written under celeriac's camelCase key: celeriac's units. Typed `I` for
   * callers; implementations still validate, since JavaScript callers and files are untyped.
   */
  fromCeleriac(value: I, name: string): T;
}

/** One row of the settings table. */
export interface SettingSpec<
  T = unknown,
  C extends string = string,
  O extends readonly string[] = readonly string[],
  F extends string | undefined = string | undefined,
  I = T,
> {
  /** Celery's (4.0+) lower-case name, e.g. `broker_url`. */
  readonly celery: C;
  /** Celery's old upper-case names, as Celery's own `_TO_NEW_KEY` maps them (`BROKER_URL`). */
  readonly old: O;
  /** The default, in celeriac's units (null where Celery's is `None`). */
  readonly default: T;
  readonly codec: Codec<T, I>;
  /** False for settings celeriac accepts (so pasted Celery configs load) but does not act on yet. */
  readonly implemented: boolean;
  /** One line for the docs. */
  readonly description: string;
  /**
   * When the value is null, the setting reads this other key instead — Celery's `Settings`
   * properties do this for `task_default_exchange` → `task_default_queue` and the like.
   */
  readonly fallback?: F;
}

/** Builds a table row; `const` type parameters keep the names as literal types. */
export function setting<
  T,
  const C extends string,
  const O extends readonly string[],
  I = T,
  const F extends string | undefined = undefined,
>(spec: {
  celery: C;
  old: O;
  codec: Codec<T, I>;
  default: NoInfer<T>;
  implemented: boolean;
  description: string;
  fallback?: F;
}): SettingSpec<T, C, O, F, I> {
  return Object.freeze(spec);
}

/** Throws the standard invalid-value error: `CONFIG_INVALID` with `"<name>: <why>"`. */
export function invalid(name: string, why: string): never {
  throw new CeleriacError('CONFIG_INVALID', `${name}: ${why}`);
}

/** A short rendering of a bad value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return 'an object';
}

/** True for `{}`-literal objects (and null-prototype ones): not arrays, Maps, class instances. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
