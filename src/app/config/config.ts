/**
 * `app.conf`: celeriac's typed configuration. Accepts Celery's setting names — lower-case
 * (`broker_url`), old upper-case (`BROKER_URL`, `CELERY_TASK_RESULT_EXPIRES`) and Django-namespaced
 * (`CELERY_BROKER_URL`) — and celeriac's camelCase keys (`brokerUrl`), converts each value once
 * into celeriac's units (ms, bytes) and exposes it as a typed property (`conf.resultExpiresMs`).
 *
 * Precedence, lowest first:
 * 1. defaults ({@link DEFAULT_CONFIG});
 * 2. code: the constructor, `update`/`set`/property assignment, `configFromObject`,
 *    `configFromFile`, `configFromEnv` — in call order, the later call winning;
 * 3. environment overrides, read by {@link Config.applyEnv} (the app calls it when it first
 *    connects): `CELERIAC_BROKER_URL`, `CELERIAC_RESULT_BACKEND`, `CELERIAC_BROKER_READ_URL`,
 *    `CELERIAC_BROKER_WRITE_URL`, and Celery's own `CELERY_BROKER_URL` & co. — like Celery,
 *    where these variables beat whatever the config says;
 * 4. {@link Config.override}, for command-line flags (`--broker`), which beat everything.
 *
 * Old and new names may be mixed in one object — Celery refuses that because its settings view
 * reads one family at a time, but here every spelling maps to one key, so mixing is unambiguous.
 * What is refused is one setting given twice in one object with different values
 * (`{ BROKER_URL: a, broker_url: b }`), where it is unclear which was meant.
 */
import { extname, resolve } from 'node:path';
import { isDeepStrictEqual, inspect } from 'node:util';
import { CeleriacError } from '../../errors.js';
import type { ConfigNotice } from './config-notice.js';
import { loadConfigModule, MODULE_EXTENSIONS } from './load-config-module.js';
import { readConfigFile } from './read-config-file.js';
import { lookupSetting, unknownSettingError } from './setting-names.js';
import { readEnvSettings } from './settings-from-env.js';
import { settingsFromExports, type SettingsFromExportsOptions } from './settings-from-exports.js';
import {
  SETTING_KEYS,
  specOf,
  type CelerySettingName,
  type KeyOfName,
  type NamespacedSettingName,
  type OldSettingName,
  type SettingInputValue,
  type SettingKey,
  type SettingName,
  type SettingValue,
} from './settings-table.js';

/**
 * The typed configuration: one camelCase property per setting, in celeriac's units. Derived from
 * the settings table (`settings-table.ts`), where each key's Celery names, default, unit and
 * description live; `docs/reference/settings.md` lists them.
 */
export type CeleriacConfig = { [K in SettingKey]: SettingValue<K> };

/**
 * What `update()` and the constructor accept: camelCase keys with typed values in celeriac's
 * units, and Celery's names (any spelling) with values in Celery's units. A `Record<string,
 * unknown>` (parsed JSON...) is accepted too and checked at run time.
 */
export type SettingsInput = { readonly [K in SettingKey]?: SettingInputValue<K> } & {
  readonly [N in CelerySettingName | OldSettingName | NamespacedSettingName]?: unknown;
};

export type { ConfigNotice, ConfigNoticeKind } from './config-notice.js';

/** Options of {@link Config.configFromObject}. */
export interface ConfigFromObjectOptions extends SettingsFromExportsOptions {
  /** Where module paths are resolved from; default `process.cwd()`. */
  cwd?: string;
}

/** Options of {@link Config.configFromFile}. */
export interface ConfigFromFileOptions {
  /** Dot-separated path of the mapping holding the settings in a shared file (`'celery'`). */
  section?: string;
  /** Where the path is resolved from; default `process.cwd()`. */
  cwd?: string;
}

/** Environment variables that override the config, by key; the first set one wins. */
const ENV_OVERRIDES: readonly (readonly [SettingKey, readonly string[]])[] = [
  ['brokerUrl', ['CELERIAC_BROKER_URL', 'CELERY_BROKER_URL']],
  ['brokerReadUrl', ['CELERIAC_BROKER_READ_URL', 'CELERY_BROKER_READ_URL']],
  ['brokerWriteUrl', ['CELERIAC_BROKER_WRITE_URL', 'CELERY_BROKER_WRITE_URL']],
  ['resultBackend', ['CELERIAC_RESULT_BACKEND', 'CELERY_RESULT_BACKEND']],
];

/** Staged value: validated, not yet applied (an update applies all of its values or none). */
interface Staged {
  readonly key: SettingKey;
  readonly name: string;
  readonly value: unknown;
}

type Layer = 'code' | 'override';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !(value instanceof Map) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

const RAW_DEFAULTS: Readonly<Record<SettingKey, unknown>> = Object.freeze(
  Object.fromEntries(SETTING_KEYS.map((key) => [key, deepFreeze(specOf(key).default)])) as Record<SettingKey, unknown>,
);

function resolveFallback(values: Readonly<Record<SettingKey, unknown>>, key: SettingKey): unknown {
  const value = values[key];
  if (value !== null) return value;
  const fallback = specOf(key).fallback as SettingKey | undefined;
  return fallback === undefined ? value : values[fallback];
}

/**
 * Every setting's default, in celeriac's units, with fallbacks resolved
 * (`taskDefaultExchange` is `'celery'`, the default queue's name).
 */
export const DEFAULT_CONFIG: Readonly<CeleriacConfig> = Object.freeze(
  Object.fromEntries(SETTING_KEYS.map((key) => [key, resolveFallback(RAW_DEFAULTS, key)])) as CeleriacConfig,
);

function noticeKey(notice: ConfigNotice): string {
  return `${notice.kind}\u0000${notice.key ?? ''}\u0000${notice.setting}`;
}

// The interface half of the class: one typed accessor per setting, defined from the table in the
// static block below rather than written out 190 times (the table stays the one source of truth).
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface Config extends CeleriacConfig {}

/**
 * The configuration object of an app (`app.conf`), Celery's `app.conf` with typed properties.
 *
 * Reading a property (`conf.brokerUrl`) is a plain object read — components may read settings on
 * hot paths, though they usually capture them once. Assigning a property (`conf.taskAcksLate =
 * true`) validates like `update({ taskAcksLate: true })`.
 *
 * @example
 * ```ts
 * const conf = new Config({ BROKER_URL: 'redis://localhost:6379/0', CELERY_TASK_RESULT_EXPIRES: 3600 });
 * conf.brokerUrl;          // 'redis://localhost:6379/0'
 * conf.resultExpiresMs;    // 3_600_000
 * conf.get('result_expires'); // 3_600_000 — always celeriac's units
 * conf.set('CELERY_TASK_SERIALIZER', 'json');
 * // From JavaScript or a file: { broker_ulr: 'x' } throws UnknownSettingError (did you mean 'broker_url'?)
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class Config {
  static {
    for (const key of SETTING_KEYS) {
      const fallback = specOf(key).fallback as SettingKey | undefined;
      Object.defineProperty(Config.prototype, key, {
        configurable: false,
        enumerable: true,
        get:
          fallback === undefined
            ? function (this: Config) {
                return this.#effective[key];
              }
            : function (this: Config) {
                return this.#effective[key] ?? this.#effective[fallback];
              },
        set(this: Config, value: unknown) {
          this.update({ [key]: value });
        },
      });
    }
  }

  /** Defaults plus everything set in code. */
  readonly #code: Record<SettingKey, unknown> = { ...RAW_DEFAULTS };
  /** What the properties read: `#code` with environment and command-line overrides applied. */
  readonly #effective: Record<SettingKey, unknown> = { ...RAW_DEFAULTS };
  readonly #env = new Map<SettingKey, { value: unknown; source: string }>();
  readonly #override = new Map<SettingKey, unknown>();
  readonly #explicit = new Set<SettingKey>();
  readonly #notices: ConfigNotice[] = [];
  readonly #noticeKeys = new Set<string>();

  /**
   * @param settings initial settings, as for {@link update}.
   * @throws UnknownSettingError for an unknown name, with a suggestion.
   * @throws CeleriacError('CONFIG_INVALID') for a bad value.
   */
  constructor(settings: SettingsInput = {}) {
    this.update(settings);
  }

  /** Every notice produced so far (not-implemented settings, overrides...), each once. */
  get notices(): readonly ConfigNotice[] {
    return this.#notices;
  }

  /**
   * Sets settings given under any spelling, converting Celery's units once. All values are
   * validated before any is applied. Mirrors Celery's `app.conf.update()`.
   * @returns notices for this call (e.g. a setting celeriac accepts but does not act on yet).
   * @throws UnknownSettingError for an unknown name, with a suggestion in the same spelling.
   * @throws CeleriacError('CONFIG_INVALID') for a bad value (`"<setting>: <why>"`), or one setting
   *   given twice with different values.
   */
  update(settings: SettingsInput): ConfigNotice[] {
    return this.#commit(this.#stage(Object.entries(settings)), 'code');
  }

  /** Sets one setting by any name: `conf.set('CELERY_TASK_SERIALIZER', 'json')`. See {@link update}. */
  set(name: SettingName, value: unknown): ConfigNotice[] {
    return this.update({ [name]: value });
  }

  /**
   * A setting's current value by any name, in celeriac's units (`get('result_expires')` is ms).
   * Celery's `conf.get` / `conf[name]`.
   * @throws UnknownSettingError for an unknown name, with a suggestion.
   */
  get<N extends SettingName>(name: N): CeleriacConfig[KeyOfName<N>];
  get(name: string): unknown;
  get(name: string): unknown {
    const match = lookupSetting(name);
    if (!match) throw unknownSettingError(name);
    return this[match.key];
  }

  /** Whether a setting was set at all (by code, environment or override), i.e. is not its default. Celery's `value_set_for`. */
  isSet(name: SettingName): boolean {
    const match = lookupSetting(name);
    if (!match) throw unknownSettingError(name);
    return this.#explicit.has(match.key) || this.#env.has(match.key) || this.#override.has(match.key);
  }

  /** The settings that differ from their defaults' source (set by anyone), by key. */
  changes(): Partial<CeleriacConfig> {
    const out: Record<string, unknown> = {};
    for (const key of SETTING_KEYS) if (this.isSet(key)) out[key] = this[key];
    return out;
  }

  /** A frozen copy of every setting's current value. */
  snapshot(): Readonly<CeleriacConfig> {
    return Object.freeze(Object.fromEntries(SETTING_KEYS.map((key) => [key, this[key]]))) as CeleriacConfig;
  }

  toJSON(): Readonly<CeleriacConfig> {
    return this.snapshot();
  }

  [inspect.custom](): Partial<CeleriacConfig> {
    return this.changes();
  }

  /**
   * Sets settings that win over code and environment (command-line flags such as `--broker`).
   * Same input and errors as {@link update}.
   */
  override(settings: SettingsInput): ConfigNotice[] {
    return this.#commit(this.#stage(Object.entries(settings)), 'override');
  }

  /**
   * Reads the environment overrides — `CELERIAC_BROKER_URL`, `CELERIAC_RESULT_BACKEND`,
   * `CELERIAC_BROKER_READ_URL`, `CELERIAC_BROKER_WRITE_URL`, then Celery's `CELERY_BROKER_URL`,
   * `CELERY_RESULT_BACKEND`, `CELERY_BROKER_READ_URL`, `CELERY_BROKER_WRITE_URL` — which win over
   * anything set in code, as in Celery. Empty variables count as unset. Idempotent: calling it
   * again re-reads the environment. The app calls it before it first connects.
   * @returns notices for values set in code that the environment overrides.
   * @throws CeleriacError('CONFIG_INVALID') for a value the setting refuses, naming the variable.
   */
  applyEnv(env: NodeJS.ProcessEnv = process.env): ConfigNotice[] {
    const notices: ConfigNotice[] = [];
    const staged: [SettingKey, { value: unknown; source: string } | undefined][] = ENV_OVERRIDES.map(([key, names]) => {
      const source = names.find((name) => (env[name] ?? '') !== '');
      return [key, source === undefined ? undefined : { value: specOf(key).codec.fromCelery(env[source], source), source }];
    });
    for (const [key, entry] of staged) {
      if (entry === undefined) this.#env.delete(key);
      else {
        this.#env.set(key, entry);
        if (this.#explicit.has(key) && !isDeepStrictEqual(this.#code[key], entry.value) && !this.#override.has(key)) {
          notices.push(this.#notice({ kind: 'overridden', setting: specOf(key).celery, key, message: `${specOf(key).celery} set in code is overridden by ${entry.source}` }));
        }
      }
      this.#refresh(key);
    }
    return notices;
  }

  /**
   * Celery's `config_from_object`: takes the settings out of an object, or out of a module's
   * exports (see `settings-from-exports.ts` for which exports count: helpers are skipped,
   * setting-like names must be settings). Module specs: `./celeryconfig.ts`, `./celeryconfig`,
   * `celeryconfig`, `proj.celeryconfig`, optionally `:export`; resolved from `cwd`.
   * @returns notices (sync for an object, a promise for a module).
   * @throws UnknownSettingError / CeleriacError('CONFIG_INVALID') as {@link update}, and
   *   CONFIG_INVALID when a module cannot be found or loaded (the promise rejects).
   */
  configFromObject(source: object, options?: ConfigFromObjectOptions): ConfigNotice[];
  configFromObject(modulePath: string, options?: ConfigFromObjectOptions): Promise<ConfigNotice[]>;
  configFromObject(source: object | string, options: ConfigFromObjectOptions = {}): ConfigNotice[] | Promise<ConfigNotice[]> {
    if (typeof source === 'string') {
      return loadConfigModule(source, options.cwd).then(({ source: exports }) => this.update(settingsFromExports(exports, options)));
    }
    return this.update(settingsFromExports(source, options));
  }

  /**
   * Loads settings from a file: JSON (`.json`), YAML (`.yaml`, `.yml`) — every key must be a
   * setting — or a `.js`/`.ts` module, read as {@link configFromObject} does.
   * @throws CeleriacError('CONFIG_INVALID') when the file cannot be read or parsed; errors of
   *   {@link update} for its contents.
   */
  async configFromFile(path: string, options: ConfigFromFileOptions = {}): Promise<ConfigNotice[]> {
    const ext = extname(path).toLowerCase();
    if (MODULE_EXTENSIONS.includes(ext)) {
      if (options.section) throw new CeleriacError('CONFIG_INVALID', `${path}: 'section' applies to JSON and YAML files only`);
      return this.configFromObject(resolve(options.cwd ?? process.cwd(), path));
    }
    // readConfigFile refuses other extensions, naming the supported ones.
    return this.update(await readConfigFile(path, options));
  }

  /**
   * Sets every setting named by a `CELERIAC_<CELERY_NAME>` variable (`CELERIAC_WORKER_CONCURRENCY=4`,
   * Celery's units), as code would — a later `update` wins. Unknown `CELERIAC_*` variables are
   * notices, since the prefix is shared with other tools.
   * @throws CeleriacError('CONFIG_INVALID') for a bad value, naming the variable.
   */
  configFromEnv(env: NodeJS.ProcessEnv = process.env, options: { prefix?: string } = {}): ConfigNotice[] {
    const { settings, notices } = readEnvSettings(env, options.prefix);
    for (const notice of notices) this.#notice(notice);
    return [...notices, ...this.#commit(settings, 'code')];
  }

  #stage(entries: Iterable<[string, unknown]>): Staged[] {
    const staged = new Map<SettingKey, Staged>();
    for (const [name, raw] of entries) {
      if (raw === undefined) continue;
      const match = lookupSetting(name);
      if (!match) throw unknownSettingError(name);
      const { codec, celery } = specOf(match.key);
      const value = match.spelling === 'camel' ? codec.fromCeleriac(raw, name) : codec.fromCelery(raw, name);
      const earlier = staged.get(match.key);
      if (earlier && !isDeepStrictEqual(earlier.value, value)) {
        throw new CeleriacError('CONFIG_INVALID', `${celery}: given twice with different values, as '${earlier.name}' and '${name}'; keep one`);
      }
      staged.set(match.key, { key: match.key, name, value });
    }
    return [...staged.values()];
  }

  #commit(staged: readonly Staged[], layer: Layer): ConfigNotice[] {
    const notices: ConfigNotice[] = [];
    for (const { key, name, value } of staged) {
      const spec = specOf(key);
      if (layer === 'override') this.#override.set(key, value);
      else {
        this.#code[key] = value;
        this.#explicit.add(key);
        const shadow = this.#override.has(key) ? 'a command-line override' : this.#env.get(key)?.source;
        if (shadow !== undefined) {
          notices.push(this.#notice({ kind: 'overridden', setting: name, key, message: `${name} set in code is overridden by ${shadow}` }));
        }
      }
      if (!spec.implemented) {
        notices.push(this.#notice({ kind: 'not-implemented', setting: name, key, message: `${name} is accepted but celeriac does not act on it yet` }));
      }
      this.#refresh(key);
    }
    return notices;
  }

  #refresh(key: SettingKey): void {
    this.#effective[key] = this.#override.has(key) ? this.#override.get(key) : this.#env.has(key) ? this.#env.get(key)!.value : this.#code[key];
  }

  #notice(notice: ConfigNotice): ConfigNotice {
    const id = noticeKey(notice);
    if (!this.#noticeKeys.has(id)) {
      this.#noticeKeys.add(id);
      this.#notices.push(notice);
    }
    return notice;
  }
}
