// Which copy of celeriac a `celeriac` process (or a pool thread / child) runs:
//   dist   — the compiled JavaScript in dist/, with no module loader hooks. The production
//            configuration: an installed package, or a checkout built from its current sources.
//            TypeScript apps still work: the module loader registers tsx when -A names a .ts file.
//   source — the TypeScript sources in src/, through tsx, with the `celeriac-source` export
//            condition so the app's `import 'celeriac'` gets the same copy. A checkout whose
//            dist/ is missing or stale runs this way.
// CELERIAC_RUNTIME=dist|source chooses; dist then fails, with the reason, if dist/ cannot run.
import { register } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { isMainThread } from 'node:worker_threads';
import { distState } from './dist-freshness.js';
import { capSemiSpace } from './semi-space-cap.js';

/**
 * V8 flags the command applies at start, unless CELERIAC_V8_FLAGS replaces them (empty: none)
 * or node's own command line / NODE_OPTIONS sets the same flag. Only flags V8 reads while
 * running can be set here, with one exception: `--max-semi-space-size=<MiB>`, which V8 reads
 * only as node starts, is kept by the command itself (semi-space-cap.js). Other heap sizes
 * (`--max-old-space-size`) are fixed when node starts: pass those to node itself.
 * See docs/architecture.md, "V8 heap flags", for the measurements behind the choice.
 */
export const DEFAULT_V8_FLAGS = '--heap-growing-percent=100 --max-semi-space-size=8';

/** Apply CELERIAC_V8_FLAGS, or the defaults; returns the flags applied. */
export function applyV8Flags() {
  const given = process.env.CELERIAC_V8_FLAGS;
  const fromNode = nodeFlags().map(flagName);
  const flags = (given ?? DEFAULT_V8_FLAGS).split(/\s+/).filter(Boolean);
  const applied = flags.filter((flag) => given !== undefined || !fromNode.includes(flagName(flag)));
  for (const flag of applied) {
    if (flagName(flag) !== 'max-semi-space-size') setFlagsFromString(flag);
    // V8 reads this one only as node starts: the command keeps the cap itself (semi-space-cap.js),
    // from the main thread only, as the flag it turns is the whole process's (a `-P threads`
    // pool thread's young generation grows while the main thread's is below the cap).
    else if (isMainThread) capSemiSpace(Number(flag.split('=')[1]));
  }
  return applied;
}

/** The flags node itself was given: its command line, then NODE_OPTIONS. */
function nodeFlags() {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean)];
}

/** `--heap-growing-percent=50` → `heap-growing-percent` (V8 treats - and _ alike). */
function flagName(flag) {
  return flag.replace(/^--?/, '').split('=')[0].replaceAll('_', '-');
}

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
  const flags = nodeFlags();
  return flags.some((f, i) => /^(--conditions|-C)=celeriac-source$/.test(f) || (/^(--conditions|-C)$/.test(f) && flags[i + 1] === 'celeriac-source'));
}

/**
 * Run `entry` (a module path under src/ without its extension, e.g. `cli/main`) from the copy
 * `runtime` names.
 */
export async function runEntry(runtime, entry) {
  applyV8Flags();
  if (runtime === 'dist') {
    // dist/ was checked against the sources (or by the parent): its own guard need not walk them again.
    globalThis[Symbol.for('celeriac.distChecked')] = true;
    await import(`../dist/${entry}.js`);
  } else {
    const { register: registerTsx } = await import('tsx/esm/api');
    registerTsx();
    register(new URL('./source-conditions.js', import.meta.url));
    register(new URL('./typescript-as-module.js', import.meta.url));
    await import(`../src/${entry}.ts`);
  }
}
