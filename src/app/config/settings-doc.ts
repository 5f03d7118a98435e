/**
 * Renders `docs/reference/settings.md` from the settings table, so the reference cannot drift
 * from the code: `scripts/gen-settings-doc.ts` writes it, and a test fails when it is stale.
 */
import type { SettingSpec } from './setting-spec.js';
import { SETTING_KEYS, specOf, type SettingKey } from './settings-table.js';

/** Sections of the reference, by Celery name prefix; the first match wins, the last takes the rest. */
const SECTIONS: readonly { title: string; matches: (celeryName: string) => boolean }[] = [
  { title: 'General', matches: (n) => ['accept_content', 'enable_utc', 'imports', 'include', 'timezone'].includes(n) },
  { title: 'Broker', matches: (n) => n.startsWith('broker_') },
  { title: 'Tasks', matches: (n) => n.startsWith('task_') },
  { title: 'Results', matches: (n) => n.startsWith('result_') },
  { title: 'Worker', matches: (n) => n.startsWith('worker_') },
  { title: 'Events', matches: (n) => n.startsWith('event_') },
  { title: 'Remote control', matches: (n) => n.startsWith('control_') },
  { title: 'Beat', matches: (n) => n.startsWith('beat_') },
  { title: 'Security', matches: (n) => n.startsWith('security_') },
  { title: 'Other result stores', matches: () => true },
];

const INTRO = `# Settings

<!-- Generated from src/app/config/settings-table.ts by \`npx tsx scripts/gen-settings-doc.ts --write\`; do not edit by hand. -->

Every setting celeriac knows. The table in \`src/app/config/settings-table.ts\` is the source of
truth; this page is generated from it.

## Names and units

A setting can be written three ways, all meaning the same thing:

- Celery's name, \`broker_url\` — values in **Celery's units** (seconds, KiB);
- an upper-case name: Celery's old name (\`BROKER_URL\`, \`CELERY_TASK_RESULT_EXPIRES\`,
  \`CELERYD_CONCURRENCY\`), or the Django-namespaced form \`CELERY_<NAME>\` (\`CELERY_BROKER_URL\`)
  — values in Celery's units;
- celeriac's key, \`brokerUrl\` — values in **celeriac's units** (the *Unit* column: ms, bytes).

So \`{ result_expires: 3600 }\`, \`{ CELERY_TASK_RESULT_EXPIRES: 3600 }\` and
\`{ resultExpiresMs: 3_600_000 }\` are the same setting. Durations under Celery names may also be
\`timedelta\`-like objects (\`{ hours: 1 }\`). Values are converted once, when set: \`app.conf\`
holds celeriac's units only, and \`app.conf.get('result_expires')\` returns milliseconds.

Old and new names may be mixed in one object (Celery refuses that; here every spelling maps to
one key). The same setting given twice in one object with different values is an error. An
unknown name is an error with a suggestion in the spelling you used (\`broker_ulr\` → did you
mean \`broker_url\`?). Settings marked *no* under *Implemented* are accepted, so a pasted Celery
config loads, and reported as notices (\`app.conf.notices\`).

## Where settings come from

Lowest precedence first:

1. the defaults below;
2. code — \`new Celery(name, settings)\`, \`app.conf.update()\`, \`app.conf.set()\`, property
   assignment (\`app.conf.taskAcksLate = true\`), \`app.conf.configFromObject()\` (an object, or a
   module: \`'./celeryconfig.ts'\`, \`'celeryconfig'\`, \`'proj.celeryconfig'\`, \`'./settings.ts:celery'\`),
   \`app.conf.configFromFile()\` (\`.json\`, \`.yaml\`, \`.yml\`, or a module), and
   \`app.conf.configFromEnv()\` (\`CELERIAC_<CELERY_NAME>\` variables in Celery's units, e.g.
   \`CELERIAC_WORKER_CONCURRENCY=4\`) — in call order, the later winning;
3. environment overrides, read when the app first connects: \`CELERIAC_BROKER_URL\`,
   \`CELERIAC_RESULT_BACKEND\`, \`CELERIAC_BROKER_READ_URL\`, \`CELERIAC_BROKER_WRITE_URL\`, and
   Celery's own \`CELERY_BROKER_URL\`, \`CELERY_RESULT_BACKEND\`, \`CELERY_BROKER_READ_URL\`,
   \`CELERY_BROKER_WRITE_URL\` (the \`CELERIAC_\` one wins when both are set) — these beat the
   code, as in Celery;
4. command-line flags (\`--broker\`, \`--result-backend\`), through \`app.conf.override()\`.

A config module is read the way Celery reads \`celeryconfig.py\`: exports that are settings are
taken, names starting with \`_\` and helper functions are skipped, and other exports named like
settings (snake_case or UPPER_CASE) — or a typo away from one — are errors. A \`default\` export
object is read the same way. \`configFromObject(obj, { namespace: 'CELERY' })\` reads only
\`CELERY_*\` names, as Django projects do.
`;

function code(text: string): string {
  return `\`${text}\``;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function renderDefault(spec: SettingSpec): string {
  const value = spec.default;
  if (value === null && spec.fallback !== undefined) {
    return `null → ${code(specOf(spec.fallback as SettingKey).celery)}`;
  }
  if (value === Infinity) return code('Infinity');
  if (Array.isArray(value) && value.length === 0) return code('[]');
  return code(JSON.stringify(value));
}

function renderUnit(spec: SettingSpec): string {
  const { unit, celeryUnit } = spec.codec;
  if (!unit) return '';
  return celeryUnit && celeryUnit !== unit ? `${unit} (Celery: ${celeryUnit})` : unit;
}

function renderRow(key: SettingKey): string {
  const spec = specOf(key);
  return `| ${[
    code(spec.celery),
    spec.old.map(code).join(', '),
    code(key),
    renderDefault(spec),
    renderUnit(spec),
    spec.implemented ? 'yes' : 'no',
    spec.description,
  ]
    .map(cell)
    .join(' | ')} |`;
}

/** The whole of `docs/reference/settings.md`. */
export function renderSettingsDoc(): string {
  const bySection = new Map<string, SettingKey[]>();
  for (const key of SETTING_KEYS) {
    const section = SECTIONS.find((s) => s.matches(specOf(key).celery))!;
    bySection.set(section.title, [...(bySection.get(section.title) ?? []), key]);
  }
  const parts = [INTRO];
  for (const { title } of SECTIONS) {
    const keys = bySection.get(title);
    if (!keys) continue;
    parts.push(
      `## ${title}\n\n| Celery name | Old name(s) | celeriac key | Default | Unit | Implemented | Description |\n|---|---|---|---|---|---|---|\n${keys.map(renderRow).join('\n')}\n`,
    );
  }
  return parts.join('\n');
}
