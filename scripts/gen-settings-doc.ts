/**
 * Prints docs/reference/settings.md from the settings table (src/app/config/settings-table.ts);
 * with --write, writes it in place. A test (src/app/config/settings-doc.test.ts) fails when the
 * committed page differs from this output.
 *
 * Usage: npx tsx scripts/gen-settings-doc.ts [--write]
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderSettingsDoc } from '../src/app/config/settings-doc.js';

const doc = renderSettingsDoc();
if (process.argv.includes('--write')) {
  const target = fileURLToPath(new URL('../docs/reference/settings.md', import.meta.url));
  writeFileSync(target, doc);
  console.error(`wrote ${target}`);
} else {
  process.stdout.write(doc);
}
