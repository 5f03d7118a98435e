/**
 * Finds the app behind `-A`, as `celery -A proj` does: a module path (`./tasks.ts`, `./tasks`,
 * `./proj/` with an index) optionally followed by `:attribute`; without an attribute the
 * module's `app`, then `celery`, then default export is taken.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Celery } from '../app/celery.js';
import { CeleriacError } from '../errors.js';

const extensions = ['', '.ts', '.js', '.mts', '.mjs'];

function resolveModule(spec: string, cwd: string): string {
  const base = resolve(cwd, spec);
  for (const ext of extensions) {
    const candidate = base + ext;
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  for (const index of ['index.ts', 'index.js']) {
    const candidate = resolve(base, index);
    if (existsSync(candidate)) return candidate;
  }
  throw new CeleriacError('APP_LOAD_FAILED', `cannot find the app module '${spec}' (looked for ${spec}{${extensions.slice(1).join(',')}} and ${spec}/index.ts from ${cwd})`);
}

function isApp(value: unknown): value is Celery {
  return value instanceof Celery;
}

/**
 * @param spec `-A` value: `path[:attribute]`.
 * @throws CeleriacError('APP_LOAD_FAILED') when the module or the app in it cannot be found.
 */
export async function loadApp(spec: string, cwd = process.cwd()): Promise<Celery> {
  // A Windows drive letter is not an attribute separator.
  const colon = spec.lastIndexOf(':');
  const hasAttr = colon > 1;
  const modulePath = hasAttr ? spec.slice(0, colon) : spec;
  const attr = hasAttr ? spec.slice(colon + 1) : undefined;
  const file = resolveModule(modulePath, cwd);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof CeleriacError) throw err;
    throw new CeleriacError('APP_LOAD_FAILED', `loading ${file} failed: ${(err as Error).message ?? String(err)}`, { cause: err });
  }
  if (attr) {
    const value = mod[attr];
    if (!isApp(value)) throw new CeleriacError('APP_LOAD_FAILED', `${file} has no Celery app exported as '${attr}'`);
    return value;
  }
  for (const name of ['app', 'celery', 'default']) {
    const value = mod[name];
    if (isApp(value)) return value;
  }
  const found = Object.entries(mod).filter(([, v]) => isApp(v)).map(([k]) => k);
  if (found.length === 1) return mod[found[0]!] as Celery;
  throw new CeleriacError(
    'APP_LOAD_FAILED',
    found.length > 1
      ? `${file} exports several apps (${found.join(', ')}): pick one with -A ${modulePath}:<name>`
      : `${file} exports no Celery app (export it as 'app', 'celery' or default)`,
  );
}
