/**
 * Loading TypeScript user modules (`-A ./tasks.ts`, a `.ts` config module, `imports`) from
 * compiled celeriac. Under the TypeScript sources (npm scripts, tests, a checkout without a build)
 * tsx is already registered; compiled celeriac (dist/, the production configuration) registers
 * tsx only when the first TypeScript module is about to load, so a JavaScript app runs with no
 * module loader hooks (Node 20 runs them on a thread of their own: a second V8 isolate, ~35 MiB).
 */

import { register as registerHooks } from 'node:module';

const TYPESCRIPT_EXTENSIONS = ['.ts', '.mts', '.cts'];

/** True when this file itself was loaded as TypeScript, or tsx came from the command line. */
let typescriptLoads = import.meta.url.endsWith('.ts') || tsxOnCommandLine();

function tsxOnCommandLine(): boolean {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return flags.some((flag) => /(^|[=/])tsx($|\/)/.test(flag));
}

/** Whether `file` needs a TypeScript loader. */
export function isTypeScriptFile(file: string): boolean {
  return TYPESCRIPT_EXTENSIONS.some((ext) => file.endsWith(ext));
}

/**
 * Register tsx in this thread unless TypeScript already loads. Must run before the first import
 * of a TypeScript file: Node caches a failed import, so it cannot be retried after registering.
 */
export async function ensureTypeScriptLoads(): Promise<void> {
  if (typescriptLoads) return;
  const { register } = await import('tsx/esm/api');
  register();
  // The app's own .ts files load as ES modules whatever their package.json says (see the hook).
  registerHooks(new URL('../../bin/typescript-as-module.js', import.meta.url));
  typescriptLoads = true;
}
