// Whether dist/ (celeriac compiled to JavaScript) may run in place of the TypeScript sources.
// In an installed package there is no src/ beside dist/: dist/ is the package. In a checkout,
// dist/ runs only when dist/build-info.json records the same sources as src/ holds now (path,
// size and modification time of every file the build reads), so compiled code never runs stale:
// an edit, a checkout or a half-finished build all make dist/ unusable until `npm run build`.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (this file is in bin/). */
export const packageRoot = fileURLToPath(new URL('..', import.meta.url));
export const buildInfoPath = join(packageRoot, 'dist', 'build-info.json');

/** Files that decide what the build emits: src/ (tests excluded) and the compiler settings. */
export function sourceSignature(root = packageRoot) {
  const entries = [];
  const walk = (dir) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (!entry.name.endsWith('.test.ts')) entries.push(stamp(root, path));
    }
  };
  walk('src');
  for (const file of ['tsconfig.json', 'tsconfig.build.json']) entries.push(stamp(root, file));
  return entries.sort();
}

function stamp(root, path) {
  const s = statSync(join(root, path));
  return `${path} ${s.size} ${s.mtimeMs}`;
}

/**
 * `{ usable: true }` when dist/ may run; otherwise `{ usable: false, reason }`, the reason saying
 * what to do (build, or which source changed since the build).
 */
export function distState(root = packageRoot) {
  const infoPath = join(root, 'dist', 'build-info.json');
  if (!existsSync(infoPath)) return { usable: false, reason: 'dist/ is not built (npm run build)' };
  if (!existsSync(join(root, 'src'))) return { usable: true };
  const built = JSON.parse(readFileSync(infoPath, 'utf8')).sources;
  const now = sourceSignature(root);
  if (!Array.isArray(built)) return { usable: false, reason: 'dist/build-info.json is unreadable (npm run build)' };
  const builtSet = new Set(built);
  const changed = now.find((entry) => !builtSet.has(entry)) ?? built.find((entry) => !now.includes(entry));
  if (changed !== undefined) {
    return { usable: false, reason: `dist/ is older than the sources (${changed.split(' ')[0]} changed; npm run build)` };
  }
  return { usable: true };
}
