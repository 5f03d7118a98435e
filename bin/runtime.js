// Which copy of celeriac a `celeriac` process (or a pool thread / child) runs:
//   dist   — the compiled JavaScript in dist/, with no module loader hooks. The production
//            configuration: an installed package, or a checkout built from its current sources.
//            TypeScript apps still work: the module loader registers tsx when -A names a .ts file.
//   source — the TypeScript sources in src/, through tsx, with the `celeriac-source` export
//            condition so the app's `import 'celeriac'` gets the same copy. A checkout whose
//            dist/ is missing or stale runs this way.
// CELERIAC_RUNTIME=dist|source chooses; dist then fails, with the reason, if dist/ cannot run.
import { register } from 'node:module';
import { distState } from './dist-freshness.js';

/** @returns {'dist' | 'source'} */
export function chooseRuntime() {
  const asked = process.env.CELERIAC_RUNTIME;
  if (asked !== undefined && asked !== '' && asked !== 'dist' && asked !== 'source') {
    throw new Error(`CELERIAC_RUNTIME must be 'dist' or 'source', got '${asked}'`);
  }
  // A process started with the source condition (npm test, the npm scripts) already resolves
  // `import 'celeriac'` to src/: the command must run the same copy.
  if (asked === 'source' || startedWithSourceCondition()) return 'source';
  const state = distState();
  if (state.usable) return 'dist';
  if (asked === 'dist') throw new Error(`CELERIAC_RUNTIME=dist, but ${state.reason}`);
  return 'source';
}

function startedWithSourceCondition() {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return flags.some((f, i) => /^(--conditions|-C)=celeriac-source$/.test(f) || (/^(--conditions|-C)$/.test(f) && flags[i + 1] === 'celeriac-source'));
}

/**
 * Run `entry` (a module path under src/ without its extension, e.g. `cli/main`) from the copy
 * `runtime` names.
 */
export async function runEntry(runtime, entry) {
  if (runtime === 'dist') {
    // dist/ was checked against the sources (or by the parent): its own guard need not walk them again.
    globalThis[Symbol.for('celeriac.distChecked')] = true;
    await import(`../dist/${entry}.js`);
  } else {
    const { register: registerTsx } = await import('tsx/esm/api');
    registerTsx();
    register(new URL('./source-conditions.js', import.meta.url));
    await import(`../src/${entry}.ts`);
  }
}
