/**
 * Compiled celeriac (dist/) refuses to load in a checkout whose sources changed since it was
 * built, so stale compiled code never runs unnoticed (`npm run build` fixes it; TypeScript run
 * with `--conditions=celeriac-source` uses src/ instead). In an installed package (no src/ beside
 * dist/), and under the sources themselves, this costs one string test. The `celeriac` command
 * checks before it chooses dist/ and marks the check done. No top-level await here: a CommonJS
 * app may `require('celeriac')`, and require() cannot load a module that awaits.
 */
import { distState } from '../../bin/dist-freshness.js';

const checkedMark = Symbol.for('celeriac.distChecked');

if (!import.meta.url.endsWith('.ts') && !(globalThis as Record<symbol, unknown>)[checkedMark]) {
  const state = distState();
  if (!state.usable) {
    throw new Error(`celeriac: ${state.reason}; or run TypeScript with --conditions=celeriac-source to use src/`);
  }
  (globalThis as Record<symbol, unknown>)[checkedMark] = true;
}
