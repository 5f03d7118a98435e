/**
 * THE table of every setting celeriac knows — the one source of truth for names, defaults,
 * units, parsing and docs (`docs/reference/settings.md` is generated from it by
 * `scripts/gen-settings-doc.ts`). It holds every setting of Celery 5.5's defaults table, so a
 * pasted Celery config always loads; the ones celeriac does not act on are `implemented: false`
 * and reported as notices. The parts live in one file per area; this file joins them.
 */
import { BROKER_SETTINGS } from './broker-settings.js';
import { GENERAL_SETTINGS } from './general-settings.js';
import { RESULT_SETTINGS } from './result-settings.js';
import type { SettingSpec } from './setting-spec.js';
import { STORE_SETTINGS } from './store-settings.js';
import { TASK_SETTINGS } from './task-settings.js';
import { WORKER_SETTINGS } from './worker-settings.js';

/** Every setting by celeriac's camelCase key. */
export const SETTINGS = Object.freeze({
  ...GENERAL_SETTINGS,
  ...BROKER_SETTINGS,
  ...TASK_SETTINGS,
  ...RESULT_SETTINGS,
  ...WORKER_SETTINGS,
  ...STORE_SETTINGS,
});

/** The parts, for a check that no key is defined twice (a spread would silently keep the last). */
export const SETTINGS_PARTS: readonly Readonly<Record<string, SettingSpec>>[] = [
  GENERAL_SETTINGS,
  BROKER_SETTINGS,
  TASK_SETTINGS,
  RESULT_SETTINGS,
  WORKER_SETTINGS,
  STORE_SETTINGS,
];

export type SettingsTable = typeof SETTINGS;

/** celeriac's camelCase key of a setting: `brokerUrl`, `resultExpiresMs`. */
export type SettingKey = keyof SettingsTable;

/** The value a setting holds (celeriac's units); non-null when it falls back to another key. */
export type SettingValue<K extends SettingKey> = [Exclude<SettingsTable[K]['fallback'], undefined>] extends [never]
  ? ReturnType<SettingsTable[K]['codec']['fromCelery']>
  : NonNullable<ReturnType<SettingsTable[K]['codec']['fromCelery']>>;

/** What a setting's camelCase key accepts (celeriac's units). */
export type SettingInputValue<K extends SettingKey> = Parameters<SettingsTable[K]['codec']['fromCeleriac']>[0];

/** Celery's lower-case name of a setting: `broker_url`. */
export type CelerySettingName = SettingsTable[SettingKey]['celery'];

/** Celery's old upper-case names: `BROKER_URL`, `CELERY_TASK_RESULT_EXPIRES`. */
export type OldSettingName = SettingsTable[SettingKey]['old'][number];

/** Django-style names (`config_from_object(..., namespace='CELERY')`): `CELERY_BROKER_URL`. */
export type NamespacedSettingName = `CELERY_${Uppercase<CelerySettingName>}`;

/** Any accepted spelling of a setting's name. */
export type SettingName = SettingKey | CelerySettingName | OldSettingName | NamespacedSettingName;

/** The key a name (any spelling) refers to. */
export type KeyOfName<N extends string> = {
  [K in SettingKey]: N extends K | SettingsTable[K]['celery'] | SettingsTable[K]['old'][number] | `CELERY_${Uppercase<SettingsTable[K]['celery']>}` ? K : never;
}[SettingKey];

/** Every key, in table order. */
export const SETTING_KEYS: readonly SettingKey[] = Object.freeze(Object.keys(SETTINGS) as SettingKey[]);

/** A row by key, typed loosely for generic code (the table itself keeps precise types). */
export function specOf(key: SettingKey): SettingSpec {
  return SETTINGS[key];
}
