/**
 * Name lookup over the settings table: every accepted spelling of every setting → its key, and
 * "did you mean" for the rest. Spellings come in three families: celeriac's camelCase keys
 * (`brokerUrl`, celeriac's units), Celery's lower-case names (`broker_url`, Celery's units), and
 * upper-case names (Celery's old `BROKER_URL` and the Django-namespaced `CELERY_BROKER_URL`,
 * Celery's units).
 */
import { UnknownSettingError } from '../../errors.js';
import { suggest } from '../../internal/suggest.js';
import { SETTING_KEYS, specOf, type SettingKey } from './settings-table.js';

/** Which family a name is spelled in; decides the units of its value and of suggestions. */
export type Spelling = 'camel' | 'celery' | 'upper';

export interface NameMatch {
  readonly key: SettingKey;
  readonly spelling: Spelling;
}

const BY_NAME = new Map<string, NameMatch>();
const FAMILY: Record<Spelling, string[]> = { camel: [], celery: [], upper: [] };

function add(name: string, key: SettingKey, spelling: Spelling): void {
  const existing = BY_NAME.get(name);
  if (existing) {
    // Single-word settings (`imports`) are the same in both lower-case families; same key is fine.
    if (existing.key !== key) throw new Error(`settings table: '${name}' names both ${existing.key} and ${key}`);
    return;
  }
  BY_NAME.set(name, { key, spelling });
  FAMILY[spelling].push(name);
}

for (const key of SETTING_KEYS) {
  const spec = specOf(key);
  add(spec.celery, key, 'celery');
  add(key, key, 'camel');
  for (const old of spec.old) add(old, key, 'upper');
}
// Namespaced names last, so an explicit old name always wins the table check above.
for (const key of SETTING_KEYS) add(`CELERY_${specOf(key).celery.toUpperCase()}`, key, 'upper');

/** The setting a name refers to, in any spelling; `undefined` when unknown. */
export function lookupSetting(name: string): NameMatch | undefined {
  return BY_NAME.get(name);
}

/** The family a (possibly unknown) name is written in. */
export function spellingOf(name: string): Spelling {
  if (!/[a-z]/.test(name)) return 'upper';
  if (name.includes('_') || !/[A-Z]/.test(name)) return 'celery';
  return 'camel';
}

/** A setting's name in a family: its key, its Celery name, or its (first) old upper-case name. */
export function nameIn(key: SettingKey, spelling: Spelling): string {
  const spec = specOf(key);
  if (spelling === 'camel') return key;
  if (spelling === 'celery') return spec.celery;
  return spec.old[0] ?? `CELERY_${spec.celery.toUpperCase()}`;
}

/** All known names, the given family's first (so ties prefer it). */
function candidates(spelling: Spelling): string[] {
  const others = (['celery', 'upper', 'camel'] as const).filter((s) => s !== spelling);
  return [...FAMILY[spelling], ...others.flatMap((s) => FAMILY[s])];
}

/**
 * The nearest known setting name for a typo, searched across all spellings and given back in the
 * family the user wrote in (`broker_ulr` → `broker_url`, `BROKER_ULR` → `BROKER_URL`,
 * `brokerUlr` → `brokerUrl`).
 */
export function suggestSetting(name: string): string | undefined {
  const spelling = spellingOf(name);
  const hit = suggest(name, candidates(spelling));
  if (hit === undefined) return undefined;
  const match = BY_NAME.get(hit)!;
  return match.spelling === spelling ? hit : nameIn(match.key, spelling);
}

/** The error for an unknown setting name, with a suggestion when one is close. */
export function unknownSettingError(name: string): UnknownSettingError {
  return new UnknownSettingError(name, suggestSetting(name));
}

/** Every accepted name (for tests and docs). */
export function allSettingNames(): readonly string[] {
  return [...BY_NAME.keys()];
}
