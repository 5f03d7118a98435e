#!/usr/bin/env node
// Runs every test file with node's test runner (through tsx, so tests are TypeScript) and ends
// with the closing line the project promises: `N passed, N failed, N skipped`.
// Test files import celeriac from src/ (the `celeriac-source` export condition); the `celeriac`
// commands they start run dist/, built first here when missing or stale, as production does.
// Each file runs in its own process; --test-force-exit ends a file's process once its tests are
// done, so a handle left open (a leak, which a test should fix) cannot hang the whole run.
// Usage: npm test [-- <path filter>...]   e.g. npm test -- src/protocol
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2);

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const files = ['src', 'test', 'examples']
  .flatMap((d) => collect(join(root, d), []))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();

if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}

const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-stale'], { stdio: 'inherit' });
if (build.status !== 0) {
  console.error('npm test: the build failed');
  process.exit(1);
}

const child = spawn(
  process.execPath,
  [
    '--conditions=celeriac-source',
    '--import',
    'tsx',
    '--import',
    pathToFileURL(join(root, 'scripts/blocking-stdout.mjs')).href,
    '--test',
    '--test-concurrency=2',
    // A file whose tests are done exits even if a client handle is left open: a leak must not hang
    // CI. blocking-stdout.mjs keeps that exit from dropping the file's last results.
    '--test-force-exit',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    ...files,
  ],
  { cwd: root, stdio: ['inherit', 'pipe', 'inherit'] },
);
// The spec reporter ends with `ℹ pass N`, `ℹ fail N`, `ℹ cancelled N`, `ℹ skipped N`; turn them
// into the one closing line the project promises (cancelled tests count as failed).
const totals = { pass: 0, fail: 0, cancelled: 0, skipped: 0 };
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  const text = tail + chunk.toString();
  const lines = text.split('\n');
  tail = lines.pop() ?? '';
  for (const line of lines) {
    const m = /^ℹ (pass|fail|cancelled|skipped) (\d+)$/.exec(line.trim());
    if (m) totals[m[1]] = Number(m[2]);
  }
});
child.on('exit', (code, signal) => {
  const m = /^ℹ (pass|fail|cancelled|skipped) (\d+)$/.exec(tail.trim());
  if (m) totals[m[1]] = Number(m[2]);
  let failed = totals.fail + totals.cancelled;
  // A failing before/after hook fails its suite (✖ above) but no test: the reporter's counts miss
  // it and only the exit code tells. Count it, so the closing line never says 0 failed then.
  if (failed === 0 && (signal || code !== 0)) {
    process.stdout.write(`\n# the run ended with ${signal ?? `exit code ${code}`} though no test failed: a suite hook or a file failed outside its tests (see ✖ above)\n`);
    failed = 1;
  }
  process.stdout.write(`\n${totals.pass} passed, ${failed} failed, ${totals.skipped} skipped\n`);
  process.exit(signal ? 1 : (code ?? 1));
});
