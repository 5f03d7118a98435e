/**
 * Loads a settings module for `configFromObject('<module>')`, the way Celery's
 * `config_from_object('celeryconfig')` imports one: a path (`./celeryconfig.ts`, `./celeryconfig`)
 * or a Python-style dotted name (`celeryconfig`, `hackfun.celeryconfig` →
 * `./hackfun/celeryconfig.ts`), resolved from the working directory, optionally followed by
 * `:attribute` to take one export (`./settings.ts:celery`, like Django's `'django.conf:settings'`).
 * `.ts` modules load through tsx, which this project runs under.
 */
import { existsSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CeleriacError } from '../../errors.js';
import { describeValue } from './setting-spec.js';

/** Extensions of modules `configFromObject`/`configFromFile` import. */
export const MODULE_EXTENSIONS: readonly string[] = ['.ts', '.js', '.mts', '.mjs', '.cts', '.cjs'];

/** Splits `module:attribute`; a Windows drive letter (`C:\`) is not a separator. */
function splitAttribute(spec: string): { modulePath: string; attribute?: string } {
  const colon = spec.lastIndexOf(':');
  if (colon <= 1 || spec.startsWith('file:')) return { modulePath: spec };
  return { modulePath: spec.slice(0, colon), attribute: spec.slice(colon + 1) };
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** The file a module spec names, trying the module extensions and `index` files. */
export function resolveConfigModule(modulePath: string, cwd: string): string {
  if (modulePath.startsWith('file:')) return fileURLToPath(modulePath);
  const explicitPath = modulePath.startsWith('.') || modulePath.startsWith('/') || modulePath.includes('/');
  if (explicitPath && MODULE_EXTENSIONS.includes(extname(modulePath))) {
    const file = resolve(cwd, modulePath);
    if (isFile(file)) return file;
    throw new CeleriacError('CONFIG_INVALID', `config module '${modulePath}' not found (looked for ${file})`);
  }
  // `hackfun.celeryconfig` is a Python module name; `celeryconfig.ts` a file in cwd.
  const base = explicitPath || MODULE_EXTENSIONS.includes(extname(modulePath)) ? modulePath : modulePath.replaceAll('.', '/');
  const stem = resolve(cwd, base);
  const tried = [stem, ...MODULE_EXTENSIONS.map((ext) => stem + ext), resolve(stem, 'index.ts'), resolve(stem, 'index.js')];
  const file = tried.find(isFile);
  if (file) return file;
  throw new CeleriacError('CONFIG_INVALID', `config module '${modulePath}' not found (looked for ${base}{${MODULE_EXTENSIONS.join(',')}} and ${base}/index.{ts,js} from ${cwd})`);
}

/**
 * Imports the settings module `spec` names and returns its exports (a module namespace), or the
 * one export `:attribute` names.
 * @throws CeleriacError('CONFIG_INVALID') when the module cannot be found or fails to load, or
 *   the named export is missing or not an object.
 */
export async function loadConfigModule(spec: string, cwd = process.cwd()): Promise<{ source: object; file: string }> {
  const { modulePath, attribute } = splitAttribute(spec);
  const file = resolveConfigModule(modulePath, cwd);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new CeleriacError('CONFIG_INVALID', `config module ${file} failed to load: ${(err as Error).message ?? String(err)}`, { cause: err });
  }
  if (attribute === undefined) return { source: mod, file };
  const value = mod[attribute];
  if (typeof value !== 'object' || value === null) {
    throw new CeleriacError('CONFIG_INVALID', `config module ${file} has no settings object exported as '${attribute}' (got ${describeValue(value)})`);
  }
  return { source: value, file };
}
