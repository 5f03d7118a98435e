/**
 * What every subcommand needs: the app (from `-A`, or a bare one from `--broker` /
 * `--result-backend` for tasks defined elsewhere) and the global options.
 */
import type { Command } from 'commander';
import { Celery } from '../app/celery.js';
import { createLogger, type Logger } from '../internal/logger.js';
import { bootstrapApp, type AppBootstrap } from '../app/app-bootstrap.js';

export interface GlobalOptions {
  app?: string;
  broker?: string;
  resultBackend?: string;
  config?: string;
  loglevel?: string;
}

/**
 * What the global options say about the app, as data a pool thread or child can rebuild it from;
 * null without `-A` (a bare app from `--broker` has no tasks to run elsewhere).
 */
export function bootstrapFromOptions(command: Command): AppBootstrap | null {
  const opts = command.optsWithGlobals<GlobalOptions>();
  if (!opts.app) return null;
  return { app: opts.app, cwd: process.cwd(), configFile: opts.config, overrides: overridesOf(opts) };
}

function overridesOf(opts: GlobalOptions): Record<string, string> {
  const overrides: Record<string, string> = {};
  if (opts.broker) overrides.broker_url = opts.broker;
  if (opts.resultBackend) overrides.result_backend = opts.resultBackend;
  return overrides;
}

/** Load the app named by the global options and apply command-line overrides. */
export async function appFromOptions(command: Command, logger?: Logger): Promise<Celery> {
  const opts = command.optsWithGlobals<GlobalOptions>();
  const bootstrap = bootstrapFromOptions(command);
  if (bootstrap) {
    const app = await bootstrapApp(bootstrap);
    if (logger) app.log = logger;
    return app;
  }
  const app = new Celery('celeriac', {}, { logger: logger ?? createLogger({ level: 'warn' }) });
  if (opts.config) await app.conf.configFromFile(opts.config);
  // override(): command-line flags beat both the code and the environment.
  const overrides = overridesOf(opts);
  if (Object.keys(overrides).length > 0) app.conf.override(overrides);
  return app;
}

/** Parse a JSON option value; bad JSON is a usage error naming the option. */
export function parseJsonOption<T>(name: string, text: string | undefined, fallback: T, check: (v: unknown) => v is T): T {
  if (text === undefined) return fallback;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${name} must be JSON: ${(err as Error).message}`);
  }
  if (!check(value)) throw new UsageError(`${name} has the wrong shape: got ${text}`);
  return value;
}

/** A bad command line: printed as one line, exit code 2. */
export class UsageError extends Error {}

/** A whole number ≥ 1 from a flag, or undefined when absent. @throws UsageError naming the flag. */
export function positiveInt(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer, got '${text}'`);
  return n;
}
