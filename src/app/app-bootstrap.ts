/**
 * How to build an app again from scratch, as data: what `celeriac -A <module> --config <file>
 * --broker <url>` did, so a pool thread or child process can load the same app in its own
 * realm (as Celery's prefork children import the app module) and get the same settings.
 */
import type { Celery } from './celery.js';
import { loadApp } from './load-app.js';

export interface AppBootstrap {
  /** The `-A` value: `module[:attribute]` (see `loadApp`). */
  app: string;
  /** Directory `app` is resolved from. */
  cwd: string;
  /** A settings file applied after loading (`--config`). */
  configFile?: string;
  /** Settings that beat the code and the environment (`--broker` → `broker_url`); JSON-safe values only. */
  overrides?: Record<string, string | number | boolean | null>;
}

/**
 * Load the app a bootstrap describes.
 * @throws CeleriacError('APP_LOAD_FAILED') when the module cannot be loaded or has no app;
 *   config errors as `configFromFile` / `override` throw them.
 */
export async function bootstrapApp(b: AppBootstrap): Promise<Celery> {
  const app = await loadApp(b.app, b.cwd);
  if (b.configFile) await app.conf.configFromFile(b.configFile);
  if (b.overrides && Object.keys(b.overrides).length > 0) app.conf.override(b.overrides);
  return app;
}
