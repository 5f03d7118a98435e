/**
 * Picks the settings out of a config module's exports (or any object), for `configFromObject`.
 * Celery reads the attributes of its config object that are settings and skips the rest, which
 * lets a `celeryconfig.py` hold helpers (seed 000's `get_worker_queue`). celeriac does the same
 * but will not let a misspelt setting slip by as a "helper":
 *
 * - names starting with `_` are private and skipped (as in Celery);
 * - known setting names, in any spelling, are taken;
 * - other functions and classes are helpers and skipped;
 * - other names that look like settings — snake_case or UPPER_CASE — are errors, with a
 *   suggestion;
 * - other names (camelCase, one lower-case word) are helpers and skipped, unless they are a typo
 *   away from a known setting, which is an error with the suggestion;
 * - a `default` export that is a plain object contributes its entries under the same rules.
 *
 * With `namespace` (Celery's `config_from_object(obj, namespace='CELERY')`, used with Django),
 * only names starting with `<namespace>_` are read, the rest of the name being a Celery setting
 * name (`CELERY_BROKER_URL` → `broker_url`); everything else is skipped.
 */
import { UnknownSettingError } from '../../errors.js';
import { suggest } from '../../internal/suggest.js';
import { lookupSetting, spellingOf, suggestSetting } from './setting-names.js';
import { isPlainObject } from './setting-spec.js';
import { SETTING_KEYS, specOf } from './settings-table.js';

export interface SettingsFromExportsOptions {
  /** Read only `<namespace>_<SETTING>` names (`'CELERY'` → `CELERY_BROKER_URL`). */
  namespace?: string;
}

function entriesOf(source: object): [string, unknown][] {
  const entries: [string, unknown][] = [];
  const record = source as Record<string, unknown>;
  for (const name of Object.keys(source)) {
    const value = record[name];
    if (name === 'default' && isPlainObject(value)) entries.push(...Object.entries(value));
    else entries.push([name, value]);
  }
  return entries;
}

function isHelperValue(value: unknown): boolean {
  return typeof value === 'function';
}

function fromNamespace(entries: [string, unknown][], namespace: string): Record<string, unknown> {
  const prefix = `${namespace}_`;
  const upper = namespace === namespace.toUpperCase();
  const settings: Record<string, unknown> = {};
  for (const [name, value] of entries) {
    if (!name.startsWith(prefix) || value === undefined) continue;
    const rest = name.slice(prefix.length);
    const celeryName = upper ? rest.toLowerCase() : rest;
    const match = lookupSetting(celeryName);
    if (!match || match.spelling === 'camel') {
      const known = SETTING_KEYS.map((key) => prefix + (upper ? specOf(key).celery.toUpperCase() : specOf(key).celery));
      throw new UnknownSettingError(name, suggest(name, known));
    }
    settings[specOf(match.key).celery] = value;
  }
  return settings;
}

/**
 * The settings in `source`, keyed as written (the caller validates names' values and units).
 * @throws UnknownSettingError for a setting-like name that is not a setting (see the rules above).
 */
export function settingsFromExports(source: object, options: SettingsFromExportsOptions = {}): Record<string, unknown> {
  const entries = entriesOf(source);
  if (options.namespace) return fromNamespace(entries, options.namespace);
  const settings: Record<string, unknown> = {};
  for (const [name, value] of entries) {
    if (name.startsWith('_') || value === undefined) continue;
    if (lookupSetting(name)) {
      settings[name] = value;
      continue;
    }
    if (isHelperValue(value)) continue;
    const looksLikeSetting = spellingOf(name) === 'upper' || name.includes('_');
    const hint = suggestSetting(name);
    if (looksLikeSetting || hint !== undefined) throw new UnknownSettingError(name, hint);
  }
  return settings;
}
