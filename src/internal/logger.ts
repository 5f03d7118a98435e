/**
 * Logging on pino. In a terminal, lines look like Celery's default worker format
 * (`[2026-11-21 06:03:48,123: INFO/MainProcess] message`, task lines prefixed with
 * `name[id]:`); elsewhere (or with `format: 'json'`) pino's JSON lines.
 * Mirrors Celery's `worker_log_format` / `worker_task_log_format` defaults.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** The logger every component receives. `child` binds fields (e.g. `{ taskName, taskId }`). */
export type Logger = PinoLogger;

export interface LoggerOptions {
  /** Default `info`. Celery's names are accepted too (`WARNING`, `CRITICAL`). */
  level?: string;
  /** `celery` (human lines) or `json`; default: `celery` when the output is a terminal. */
  format?: 'celery' | 'json';
  /** A file path (Celery's `--logfile`); default: standard error. */
  file?: string;
  /** The process name in Celery lines (`MainProcess`, `ForkPoolWorker-1`...). */
  processName?: string;
  /** Extra destinations, addable after the logger exists (see {@link LogSinks}). */
  sinks?: LogSinks;
}

/** One log line as a record: pino's fields (`level` as a name, `time` in ms, `msg`, bindings). */
export interface LogRecord {
  level: LogLevel;
  /** ms since the epoch. */
  time: number;
  msg: string;
  /** Bindings and merged fields (`taskName`, `taskId`, `err`, `pid`...). */
  [field: string]: unknown;
}

/** A destination of log records beside the logger's own output (an HTTP collector, a test). */
export interface LogSink {
  /** Lowest level delivered; default `info`. Lines below the logger's own level never arrive. */
  level?: LogLevel;
  /** Called synchronously per line; must not throw (errors are swallowed to keep logging alive). */
  write(record: LogRecord): void;
}

const levelByNumber: Record<number, LogLevel> = { 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const levelRank: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/**
 * Sinks a logger made with them writes to, in addition to its own output — what Celery users
 * get by adding a handler in `after_setup_logger`. Lines are parsed only while a sink is added.
 */
export class LogSinks {
  private sinks: ReadonlyArray<{ sink: LogSink; accept: ((record: LogRecord) => boolean) | undefined }> = [];

  get size(): number {
    return this.sinks.length;
  }

  /**
   * Add a sink, optionally for the records `accept` lets through only.
   * @returns a function that removes it.
   */
  add(sink: LogSink, accept?: (record: LogRecord) => boolean): () => void {
    const entry = { sink, accept };
    this.sinks = [...this.sinks, entry];
    return () => {
      this.sinks = this.sinks.filter((s) => s !== entry);
    };
  }

  /** Hand one pino JSON line to every sink whose level it passes. */
  dispatch(line: string): void {
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const rank = typeof raw.level === 'number' ? raw.level : 30;
    const record = { ...raw, level: levelByNumber[rank] ?? 'info', msg: typeof raw.msg === 'string' ? raw.msg : '' } as LogRecord;
    for (const { sink, accept } of this.sinks) {
      if (rank < levelRank[sink.level ?? 'info']) continue;
      try {
        if (accept && !accept(record)) continue;
        sink.write(record);
      } catch {
        // A failing sink must not take logging (or the task that logged) down with it.
      }
    }
  }
}

/** Writes each line to the logger's output, then to the sinks while there are any. */
class TeeDestination implements DestinationStream {
  constructor(
    private readonly main: DestinationStream,
    private readonly sinks: LogSinks,
  ) {}

  write(line: string): void {
    this.main.write(line);
    if (this.sinks.size > 0) this.sinks.dispatch(line);
  }
}

const celeryLevelNames: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARNING',
  50: 'ERROR',
  60: 'CRITICAL',
};

/** Map Celery/Python level names to pino's. @throws Error on an unknown level. */
export function normalizeLevel(level: string): LogLevel {
  const l = level.toLowerCase();
  if (l === 'warning') return 'warn';
  if (l === 'critical') return 'fatal';
  if (l === 'debug' || l === 'info' || l === 'warn' || l === 'error' || l === 'fatal' || l === 'silent') return l;
  throw new Error(`unknown log level '${level}' (use debug, info, warning, error, critical)`);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `2026-11-21 06:03:48,123` in local time, as Python's logging `asctime`. */
function asctime(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`
  );
}

/** Reformats pino's JSON lines as Celery lines; only runs for lines that pass the level. */
class CeleryLineStream implements DestinationStream {
  constructor(
    private readonly out: NodeJS.WritableStream | WriteStream,
    private readonly processName: string,
  ) {}

  write(line: string): void {
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.out.write(line);
      return;
    }
    const level = celeryLevelNames[rec.level as number] ?? String(rec.level);
    const task = typeof rec.taskName === 'string' ? `${rec.taskName}[${String(rec.taskId)}]: ` : '';
    let text = `[${asctime(rec.time as number)}: ${level}/${this.processName}] ${task}${typeof rec.msg === 'string' ? rec.msg : JSON.stringify(rec.msg ?? '')}`;
    const err = rec.err as { stack?: string } | undefined;
    if (err?.stack) text += `\n${err.stack}`;
    this.out.write(text + '\n');
  }
}

/** The log files {@link createLogger} opened and nobody has closed yet. */
const openLogFiles = new Set<WriteStream>();

/**
 * Ends every log file {@link createLogger} opened; resolves once their last lines are written.
 * A file stream writes asynchronously and `process.exit()` does not wait for it, so a process
 * that logs to a file (`--logfile`) calls this before exiting, or loses its last lines — the
 * shutdown messages first (Celery's FileHandler writes synchronously and never does). Lines
 * logged after this go nowhere. Never rejects.
 */
export async function closeLogFiles(): Promise<void> {
  const files = [...openLogFiles];
  openLogFiles.clear();
  await Promise.all(files.map((file) => new Promise<void>((resolve) => (file.writableEnded ? resolve() : file.end(resolve)))));
}

/** Create the root logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  let out: NodeJS.WritableStream = process.stderr;
  if (options.file) {
    const file = createWriteStream(options.file, { flags: 'a' });
    openLogFiles.add(file);
    out = file;
  }
  const isTty = !options.file && Boolean(process.stderr.isTTY);
  const format = options.format ?? (isTty || options.file ? 'celery' : 'json');
  const level = normalizeLevel(options.level ?? 'info');
  const main: DestinationStream =
    format === 'celery' ? new CeleryLineStream(out, options.processName ?? 'MainProcess') : (out);
  const dest = options.sinks ? new TeeDestination(main, options.sinks) : main;
  return pino({ level, base: { pid: process.pid }, messageKey: 'msg' }, dest);
}

/** A logger that writes nothing (tests, library use without configuration). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
