/**
 * Finds the app behind `-A`, as `celery -A proj` does: a module (`./tasks.ts`, `./tasks`,
 * `./proj/` with an index, `proj.tasks`) optionally followed by `:attribute`; without an
 * attribute the module's `app`, then `celery`, then default export is taken, else its only app.
 * Then the modules named by the app's `imports` / `include` settings are imported, so their
 * tasks register (Celery's worker does the same at start-up).
 */
import { Celery } from './celery.js';
import { importModule } from './module-loader.js';
import { CeleriacError } from '../errors.js';

function isApp(value: unknown): value is Celery {
  return value instanceof Celery;
}

/**
 * @param spec `-A` value: `module[:attribute]`.
 * @throws CeleriacError('APP_LOAD_FAILED') when the module or the app in it cannot be found.
 */
export async function loadApp(spec: string, cwd = process.cwd()): Promise<Celery> {
  const { mod, file, attribute } = await importModule(spec, cwd, 'app module', 'APP_LOAD_FAILED');
  let app: Celery | undefined;
  if (attribute) {
    const value = mod[attribute];
    if (!isApp(value)) throw new CeleriacError('APP_LOAD_FAILED', `${file} has no Celery app exported as '${attribute}'`);
    app = value;
  } else {
    app = [mod.app, mod.celery, mod.default].find(isApp);
    if (!app) {
      const found = Object.entries(mod).filter(([, v]) => isApp(v)).map(([k]) => k);
      if (found.length !== 1) {
        throw new CeleriacError(
          'APP_LOAD_FAILED',
          found.length > 1
            ? `${file} exports several apps (${found.join(', ')}): pick one with -A ${spec}:<name>`
            : `${file} exports no Celery app (export it as 'app', 'celery' or default)`,
        );
      }
      app = mod[found[0]!] as Celery;
    }
  }
  for (const name of [...app.conf.imports, ...app.conf.include]) {
    await importModule(name, cwd, 'task module (from imports/include)', 'APP_LOAD_FAILED');
  }
  return app;
}
