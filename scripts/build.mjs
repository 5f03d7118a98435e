#!/usr/bin/env node
// `npm run build`: compile src/ to dist/ (JavaScript, declarations, source maps) with tsc, copy
// the files tsc does not handle (Lua scripts), and record which sources were compiled in
// dist/build-info.json, written last: bin/dist-freshness.js lets dist/ run only while src/ still
// matches it. `--if-stale` skips the work when dist/ is already up to date (npm test runs it).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { buildInfoPath, distState, packageRoot, sourceSignature } from '../bin/dist-freshness.js';

if (process.argv.includes('--if-stale') && distState().usable) process.exit(0);

// Taken before compiling: a source edited during the build leaves dist/ stale, as it should.
const sources = sourceSignature();
const dist = join(packageRoot, 'dist');
rmSync(dist, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(packageRoot, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) {
  console.error('build: tsc failed; dist/ left without build-info.json, so it will not run');
  process.exit(compiled.status ?? 1);
}

const copyAssets = (dir) => {
  for (const entry of readdirSync(join(packageRoot, 'src', dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copyAssets(path);
    else if (entry.name.endsWith('.lua')) {
      mkdirSync(dirname(join(dist, path)), { recursive: true });
      copyFileSync(join(packageRoot, 'src', path), join(dist, path));
    }
  }
};
copyAssets('.');
writeFileSync(buildInfoPath, `${JSON.stringify({ sources }, null, 1)}\n`);
