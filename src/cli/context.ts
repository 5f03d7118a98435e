/**
 * What every subcommand needs: the app (from `-A`, or a bare one from `--broker` /
 * `--result-backend` for tasks defined elsewhere) and the global options.
 */
import type { Command } from 'commander';
import { Celery } from '../app/celery.js';
import { createLogger, type Logger } from '../internal/logger.js';
import { loadApp } from './load-app.js';

export interface GlobalOptions {
  app?: string;
  broker?: string;
  resultBackend?: string;
  config?: string;
  loglevel?: string;
}

/** Load the app named by the global options and apply command-line overrides. */
export async function appFromOptions(command: Command, logger?: Logger): Promise<Celery> {
  const opts = command.optsWithGlobals<GlobalOptions>();
  const app = opts.app ? await loadApp(opts.app) : new Celery('celeriac', {}, { logger: logger ?? createLogger({ level: 'warn' }) });
  if (logger) app.log = logger;
  if (opts.config) await app.conf.configFromFile(opts.config);
  // override(): command-line flags beat both the code and the environment.
  if (opts.broker) app.conf.override({ broker_url: opts.broker });
  if (opts.resultBackend) app.conf.override({ result_backend: opts.resultBackend });
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
