/**
 * Settings from environment variables: `CELERIAC_<CELERY NAME IN UPPER CASE>`, e.g.
 * `CELERIAC_BROKER_URL`, `CELERIAC_WORKER_CONCURRENCY=4`, `CELERIAC_RESULT_EXPIRES=3600`
 * (Celery's units, since the name is Celery's), `CELERIAC_ACCEPT_CONTENT=json,msgpack`,
 * `CELERIAC_BROKER_TRANSPORT_OPTIONS={"visibility_timeout": 3600}`.
 */
import { suggest } from '../../internal/suggest.js';
import type { ConfigNotice } from './config-notice.js';
import { lookupSetting } from './setting-names.js';
import { invalid, type EnvSyntax } from './setting-spec.js';
import { SETTING_KEYS, specOf, type SettingKey } from './settings-table.js';

/** A setting read from one environment variable, parsed into celeriac's units. */
export interface EnvSetting {
  readonly key: SettingKey;
  /** The variable's name, used in messages. */
  readonly name: string;
  readonly value: unknown;
}

/** The `celeriac` command's own variables (bin/runtime.js): not settings, and not worth a notice. */
const COMMAND_VARIABLES = new Set(['CELERIAC_RUNTIME', 'CELERIAC_V8_FLAGS']);

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/**
 * Turns a variable's text into the value the setting's codec reads: see {@link EnvSyntax}. An
 * empty text is `null` for settings that accept null.
 * @throws CeleriacError('CONFIG_INVALID') naming the variable.
 */
export function parseEnvText(text: string, syntax: EnvSyntax, nullable: boolean, name: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '' && nullable) return null;
  switch (syntax) {
    case 'text':
      return text;
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (TRUE.has(lower)) return true;
      if (FALSE.has(lower)) return false;
      return invalid(name, `expected a boolean (true/false, 1/0, yes/no, on/off), got ${JSON.stringify(text)}`);
    }
    case 'number': {
      if (/^[+]?inf(inity)?$/i.test(trimmed)) return Infinity;
      const n = trimmed === '' ? NaN : Number(trimmed);
      if (Number.isNaN(n)) invalid(name, `expected a number, got ${JSON.stringify(text)}`);
      return n;
    }
    case 'list':
      if (trimmed.startsWith('[')) return parseJson(trimmed, name);
      return trimmed.split(',').map((item) => item.trim()).filter((item) => item !== '');
    case 'json':
      return parseJson(trimmed, name);
  }
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return invalid(name, `not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Reads every `<prefix><NAME>` variable. Variables that name no setting become `unknown-env`
 * notices rather than errors: the prefix is shared with other tools' variables.
 * @param env the environment (default `process.env`).
 * @param prefix default `CELERIAC_`.
 * @throws CeleriacError('CONFIG_INVALID') for a value its setting refuses, naming the variable.
 */
export function readEnvSettings(env: NodeJS.ProcessEnv = process.env, prefix = 'CELERIAC_'): { settings: EnvSetting[]; notices: ConfigNotice[] } {
  const settings: EnvSetting[] = [];
  const notices: ConfigNotice[] = [];
  for (const [name, text] of Object.entries(env)) {
    if (text === undefined || !name.startsWith(prefix) || COMMAND_VARIABLES.has(name)) continue;
    const celeryName = name.slice(prefix.length).toLowerCase();
    const match = lookupSetting(celeryName);
    if (!match || match.spelling === 'camel') {
      const hint = suggest(name, SETTING_KEYS.map((key) => `${prefix}${specOf(key).celery.toUpperCase()}`));
      notices.push({
        kind: 'unknown-env',
        setting: name,
        message: `environment variable ${name} names no setting${hint ? ` (did you mean ${hint}?)` : ''}; ignored`,
      });
      continue;
    }
    const { codec } = specOf(match.key);
    const value = codec.fromCelery(parseEnvText(text, codec.env, codec.nullable, name), name);
    settings.push({ key: match.key, name, value });
  }
  return { settings, notices };
}
