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

/** Create the root logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const out: NodeJS.WritableStream = options.file ? createWriteStream(options.file, { flags: 'a' }) : process.stderr;
  const isTty = !options.file && Boolean(process.stderr.isTTY);
  const format = options.format ?? (isTty || options.file ? 'celery' : 'json');
  const level = normalizeLevel(options.level ?? 'info');
  const dest: DestinationStream =
    format === 'celery' ? new CeleryLineStream(out, options.processName ?? 'MainProcess') : (out);
  return pino({ level, base: { pid: process.pid }, messageKey: 'msg' }, dest);
}

/** A logger that writes nothing (tests, library use without configuration). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
