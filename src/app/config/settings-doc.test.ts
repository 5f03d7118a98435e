import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderSettingsDoc } from './settings-doc.js';
import { SETTING_KEYS, specOf } from './settings-table.js';

const docPath = new URL('../../../docs/reference/settings.md', import.meta.url);

test('docs/reference/settings.md is generated from the settings table and up to date', () => {
  const committed = readFileSync(docPath, 'utf8');
  assert.ok(
    committed === renderSettingsDoc(),
    'docs/reference/settings.md is stale: run `npx tsx scripts/gen-settings-doc.ts --write`',
  );
});

test('the reference lists every setting with its old names, key and default', () => {
  const doc = renderSettingsDoc();
  for (const key of SETTING_KEYS) {
    const spec = specOf(key);
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${spec.celery}\` |`));
    assert.ok(row, spec.celery);
    assert.ok(row.includes(`\`${key}\``), key);
    for (const old of spec.old) assert.ok(row.includes(`\`${old}\``), old);
  }
  assert.match(doc, /\| `result_expires` \| `CELERY_TASK_RESULT_EXPIRES` \| `resultExpiresMs` \| `86400000` \| ms \(Celery: s\) \| yes \|/);
  assert.match(doc, /\| `task_default_exchange` .* \| null → `task_default_queue` \|/);
});
