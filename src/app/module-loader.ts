/**
 * Finding and importing user modules by the names Celery users write: a path (`./tasks.ts`,
 * `./tasks`, `./proj/` with an index file) or a Python-style dotted name (`proj.tasks` →
 * `./proj/tasks.ts`), resolved from a directory, optionally followed by `:attribute`.
 * Used by `-A`, `configFromObject('<module>')` and the `imports` / `include` settings.
 * `.ts` modules load through tsx, registered when the first one is about to load (see
 * typescript-modules.ts).
 */
import { existsSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CeleriacError, type ErrorCode } from '../errors.js';
import { ensureTypeScriptLoads, isTypeScriptFile } from './typescript-modules.js';

/** Extensions tried, in order, for a module named without one. */
export const MODULE_EXTENSIONS: readonly string[] = ['.ts', '.js', '.mts', '.mjs', '.cts', '.cjs'];

/** Splits `module:attribute`; a Windows drive letter (`C:\`) and `file:` URLs are not separators. */
export function splitAttribute(spec: string): { modulePath: string; attribute?: string } {
  const colon = spec.lastIndexOf(':');
  if (colon <= 1 || (spec.startsWith('file:') && colon === 4)) return { modulePath: spec };
  return { modulePath: spec.slice(0, colon), attribute: spec.slice(colon + 1) };
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/**
 * The file a module spec names.
 * @param what how to name the module in errors (`config module`, `app module`)
 * @param code the error code to throw with
 * @throws CeleriacError(code) listing where it looked
 */
export function resolveModuleFile(modulePath: string, cwd: string, what: string, code: ErrorCode): string {
  if (modulePath.startsWith('file:')) return fileURLToPath(modulePath);
  const explicitPath = modulePath.startsWith('.') || modulePath.startsWith('/') || modulePath.includes('/');
  if (explicitPath && MODULE_EXTENSIONS.includes(extname(modulePath))) {
    const file = resolve(cwd, modulePath);
    if (isFile(file)) return file;
    throw new CeleriacError(code, `cannot find the ${what} '${modulePath}' (looked for ${file})`);
  }
  // `hackfun.celeryconfig` is a Python module name; `celeryconfig.ts` a file.
  const base = explicitPath || MODULE_EXTENSIONS.includes(extname(modulePath)) ? modulePath : modulePath.replaceAll('.', '/');
  const stem = resolve(cwd, base);
  const tried = [stem, ...MODULE_EXTENSIONS.map((ext) => stem + ext), resolve(stem, 'index.ts'), resolve(stem, 'index.js')];
  const file = tried.find(isFile);
  if (file) return file;
  throw new CeleriacError(code, `cannot find the ${what} '${modulePath}' (looked for ${base}{${MODULE_EXTENSIONS.join(',')}} and ${base}/index.{ts,js} from ${cwd})`);
}

/**
 * Import the module a spec names.
 * @throws CeleriacError(code) when it cannot be found or throws while loading.
 */
export async function importModule(
  spec: string,
  cwd: string,
  what: string,
  code: ErrorCode,
): Promise<{ mod: Record<string, unknown>; file: string; attribute?: string }> {
  const { modulePath, attribute } = splitAttribute(spec);
  const file = resolveModuleFile(modulePath, cwd, what, code);
  try {
    if (isTypeScriptFile(file)) await ensureTypeScriptLoads();
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    return { mod, file, attribute };
  } catch (err) {
    if (err instanceof CeleriacError) throw new CeleriacError(code, `${what} ${file} failed to load: ${err.message}`, { cause: err });
    throw new CeleriacError(code, `${what} ${file} failed to load: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
}
