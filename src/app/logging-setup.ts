/**
 * `app.setupLogging()`: configure the app's logger and send the logging signals, as Celery's
 * `app.log.setup()` does (celery/app/log.py `setup_logging_subsystem`): with a `setup_logging`
 * handler connected celeriac leaves logging to it; otherwise it builds the logger. Then
 * `after_setup_logger` and `after_setup_task_logger` fire with a way to add sinks.
 */
import { createLogger, LogSinks, type Logger, type LogSink } from '../internal/logger.js';
import type { Celery } from './celery.js';

/** Options of `app.setupLogging()` (Celery's `-l`, `--logfile`...). */
export interface LoggingSetupOptions {
  /** `debug`, `info`, `warning`, `error`, `critical` (Celery's names work). Default `info`. */
  loglevel?: string;
  /** Write to this file instead of standard error (Celery's `--logfile`). */
  logfile?: string;
  /** `celery` (Celery's line format) or `json`; default: `celery` in a terminal or a file, else `json`. */
  format?: 'celery' | 'json';
  /** Passed on to the signals (Celery's `colorize`); celeriac's lines are not coloured. */
  colorize?: boolean;
}

/**
 * @returns the logger now in `app.log`.
 * @throws Error for an unknown log level.
 */
export function setupAppLogging(app: Celery, options: LoggingSetupOptions): Logger {
  const loglevel = options.loglevel ?? 'info';
  const common = {
    sender: null,
    loglevel,
    logfile: options.logfile ?? null,
    format: options.format ?? null,
    colorize: options.colorize ?? null,
  };
  const signals = app.signals;
  let sinks: LogSinks | null = null;
  if (signals.setupLogging.connected) {
    // Celery: "If any receivers are connected, Celery won't configure the loggers."
    signals.setupLogging.send(common);
  } else {
    sinks = new LogSinks();
    app.log = createLogger({ level: loglevel, file: options.logfile, format: options.format, sinks });
  }
  // Two scopes as in Celery, where the task logger does not propagate to the root one: lines
  // logged through a task's `ctx.log` (they carry `taskName`) reach task-logger sinks, all other
  // lines (the worker's, including "Task ... raised unexpected") root-logger sinks. So a handler
  // connected to both signals, as Celery users do, sees each line once.
  const sinkAdder =
    (taskLines: boolean) =>
    (sink: LogSink): (() => void) => {
      if (!sinks) throw new Error('addSink: a setup_logging handler configured logging, so celeriac has no sinks for this logger');
      return sinks.add(sink, (record) => (record.taskName !== undefined) === taskLines);
    };
  if (signals.afterSetupLogger.connected) {
    signals.afterSetupLogger.send({ ...common, logger: app.log, addSink: sinkAdder(false) });
  }
  if (signals.afterSetupTaskLogger.connected) {
    signals.afterSetupTaskLogger.send({ ...common, logger: app.log, addSink: sinkAdder(true) });
  }
  return app.log;
}
