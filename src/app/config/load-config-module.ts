/**
 * Loads a settings module for `configFromObject('<module>')`, the way Celery's
 * `config_from_object('celeryconfig')` imports one: a path (`./celeryconfig.ts`, `./celeryconfig`)
 * or a Python-style dotted name (`celeryconfig`, `hackfun.celeryconfig` →
 * `./hackfun/celeryconfig.ts`), resolved from the working directory, optionally followed by
 * `:attribute` to take one export (`./settings.ts:celery`, like Django's `'django.conf:settings'`).
 * `.ts` modules load through tsx (registered on first need: see ../typescript-modules.ts).
 */
import { importModule, MODULE_EXTENSIONS, resolveModuleFile } from '../module-loader.js';
import { CeleriacError } from '../../errors.js';
import { describeValue } from './setting-spec.js';

export { MODULE_EXTENSIONS };

/** The file a config module spec names, trying the module extensions and `index` files. */
export function resolveConfigModule(modulePath: string, cwd: string): string {
  return resolveModuleFile(modulePath, cwd, 'config module', 'CONFIG_INVALID');
}

/**
 * Imports the settings module `spec` names and returns its exports (a module namespace), or the
 * one export `:attribute` names.
 * @throws CeleriacError('CONFIG_INVALID') when the module cannot be found or fails to load, or
 *   the named export is missing or not an object.
 */
export async function loadConfigModule(spec: string, cwd = process.cwd()): Promise<{ source: object; file: string }> {
  const { mod, file, attribute } = await importModule(spec, cwd, 'config module', 'CONFIG_INVALID');
  if (attribute === undefined) return { source: mod, file };
  const value = mod[attribute];
  if (typeof value !== 'object' || value === null) {
    throw new CeleriacError('CONFIG_INVALID', `config module ${file} has no settings object exported as '${attribute}' (got ${describeValue(value)})`);
  }
  return { source: value, file };
}
