/**
 * Compiled celeriac (dist/) refuses to load in a checkout whose sources changed since it was
 * built, so stale compiled code never runs unnoticed (`npm run build` fixes it; TypeScript run
 * with `--conditions=celeriac-source` uses src/ instead). In an installed package (no src/ beside
 * dist/), and under the sources themselves, this costs one string test. The `celeriac` command
 * checks before it chooses dist/ and marks the check done.
 */
const checkedMark = Symbol.for('celeriac.distChecked');

if (!import.meta.url.endsWith('.ts') && !(globalThis as Record<symbol, unknown>)[checkedMark]) {
  const freshness = (await import(new URL('../../bin/dist-freshness.js', import.meta.url).href)) as {
    distState(): { usable: boolean; reason?: string };
  };
  const state = freshness.distState();
  if (!state.usable) {
    throw new Error(`celeriac: ${state.reason}; or run TypeScript with --conditions=celeriac-source to use src/`);
  }
  (globalThis as Record<symbol, unknown>)[checkedMark] = true;
}

export {};
