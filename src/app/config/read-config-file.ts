/**
 * Reads a JSON or YAML settings file (seed 000 keeps its Celery settings in YAML). Only the data
 * is read here; the caller validates the settings.
 */
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { CeleriacError } from '../../errors.js';
import { lazyRequire } from '../../internal/lazy-require.js';
import { describeValue, isPlainObject } from './setting-spec.js';

const loadYaml = lazyRequire<typeof import('yaml')>('yaml');

/** File extensions {@link readConfigFile} reads. */
export const DATA_FILE_EXTENSIONS: readonly string[] = ['.json', '.yaml', '.yml'];

/**
 * Reads `path` (resolved from `cwd`) and returns its top-level mapping, or the mapping at the
 * dot-separated `section` inside it (`section: 'celery'` for a file shared with other tools).
 * YAML is YAML 1.2 (`yes`/`no` are strings; write `true`/`false`).
 * @throws CeleriacError('CONFIG_INVALID') when the file cannot be read or parsed, has an
 *   unsupported extension, or its top level (or section) is not a mapping.
 */
export async function readConfigFile(path: string, options: { section?: string; cwd?: string } = {}): Promise<Record<string, unknown>> {
  const file = resolve(options.cwd ?? process.cwd(), path);
  const ext = extname(file).toLowerCase();
  if (!DATA_FILE_EXTENSIONS.includes(ext)) {
    throw new CeleriacError('CONFIG_INVALID', `${path}: unsupported config file type '${ext}' (use .json, .yaml or .yml, or a .js/.ts module)`);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CeleriacError('CONFIG_INVALID', `${path}: cannot read config file: ${(err as Error).message}`, { cause: err });
  }
  let data: unknown;
  try {
    data = ext === '.json' ? JSON.parse(text) : loadYaml().parse(text);
  } catch (err) {
    throw new CeleriacError('CONFIG_INVALID', `${path}: not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`, { cause: err });
  }
  let where = path;
  if (options.section) {
    for (const part of options.section.split('.')) {
      data = isPlainObject(data) ? data[part] : undefined;
      if (data === undefined) throw new CeleriacError('CONFIG_INVALID', `${path}: no section '${options.section}'`);
    }
    where = `${path} [${options.section}]`;
  }
  if (data === null || data === undefined) return {}; // an empty file is an empty config
  if (!isPlainObject(data)) throw new CeleriacError('CONFIG_INVALID', `${where}: expected a mapping of settings, got ${describeValue(data)}`);
  return data;
}
