// Sending tasks and reading results with Python Celery (test/interop/python/client.py), for the
// Python → celeriac direction. Sends issued together are coalesced into one Python process
// (`client.py batch`): starting Python and importing Celery costs about half a second, and the
// tests of a file run concurrently.
import { spawn } from 'node:child_process';
import { pythonDir, pythonPath } from './environment.js';

/** Options of Celery's `apply_async` / `send_task`, with Celery's names and units (seconds). */
export interface PythonSendOptions {
  countdown?: number;
  /** ISO 8601 text. */
  eta?: string;
  /** Seconds from now, or ISO 8601 text. */
  expires?: number | string;
  priority?: number;
  queue?: string;
  routing_key?: string;
  exchange?: string;
  headers?: Record<string, unknown>;
  task_id?: string;
  /** kombu serializer name (`json`, `msgpack`). */
  serializer?: string;
  /** `zlib`, `gzip`, `bzip2`... */
  compression?: string;
  /** Hard / soft time limit, seconds (the `timelimit` header). */
  time_limit?: number;
  soft_time_limit?: number;
}

export interface PythonSendSpec {
  name: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  /** `send_task` by name (default), or the task object's `delay` / `apply_async`. */
  via?: 'send_task' | 'delay' | 'apply_async';
  options?: PythonSendOptions;
  /** Wait for the result with `AsyncResult.get(propagate=False)`. */
  wait?: boolean;
  /** Seconds to wait; default 30. */
  timeout?: number;
}

/** What Python saw: the id, and after a wait the state and value or exception. */
export interface PythonOutcome {
  id: string;
  /** Unix time in seconds just before the send. */
  sent_at: number;
  /** The state, or `TIMEOUT` when the wait gave up (then `backend_state` holds what was stored). */
  state?: string;
  backend_state?: string;
  result?: unknown;
  exc_type?: string | null;
  exc_module?: string | null;
  exc_message?: unknown[] | null;
  traceback?: string | null;
}

/** Waits (from Python) for the result of task `id` with `AsyncResult.get(propagate=False)`. */
export function pythonGet(id: string, env: Record<string, string>, timeoutS = 30): Promise<PythonOutcome> {
  return runClient(['get', '--id', id, '--timeout', String(timeoutS)], '', env) as Promise<PythonOutcome>;
}

/**
 * Python's `app.control.revoke(id, terminate=..., signal=...)`: a broadcast; with `reply`, the
 * first worker's reply (`[{"<node>": {"ok": ...}}]`), else null.
 */
export async function pythonRevoke(
  id: string,
  env: Record<string, string>,
  options: { terminate?: boolean; signal?: string; reply?: boolean } = {},
): Promise<unknown> {
  const args = ['revoke', '--id', id];
  if (options.terminate) args.push('--terminate');
  if (options.signal !== undefined) args.push('--signal', options.signal);
  if (options.reply) args.push('--reply');
  return ((await runClient(args, '', env)) as { replies: unknown }).replies;
}

/** Runs `client.py batch` once with `specs`; resolves with one outcome per spec, in order. */
export function pythonBatch(specs: PythonSendSpec[], env: Record<string, string>): Promise<PythonOutcome[]> {
  return runClient(['batch'], JSON.stringify(specs), env) as Promise<PythonOutcome[]>;
}

function runClient(args: string[], input: string, env: Record<string, string>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(pythonPath, ['client.py', ...args], {
      cwd: pythonDir,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) {
        reject(new Error(`client.py ${args.join(' ')} exited ${code}:\n${stderr.slice(-4000)}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout));
      } catch (err) {
        reject(new Error(`client.py ${args[0]} printed no JSON (${(err as Error).message}):\n${stdout.slice(0, 2000)}\n${stderr.slice(-2000)}`));
      }
    });
    child.stdin.end(input);
  });
}

/** Sends issued within this window share one Python process. */
const COALESCE_WINDOW_MS = 30;

/** A Python client bound to one broker/backend, coalescing concurrent sends into batches. */
export class PythonClient {
  private pending: Array<{ spec: PythonSendSpec; resolve: (o: PythonOutcome) => void; reject: (e: unknown) => void }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly env: Record<string, string>) {}

  /** Send one task (and wait for its result when `spec.wait`). */
  send(spec: PythonSendSpec): Promise<PythonOutcome> {
    return new Promise((resolve, reject) => {
      this.pending.push({ spec, resolve, reject });
      this.timer ??= setTimeout(() => this.flush(), COALESCE_WINDOW_MS);
    });
  }

  /** Send several tasks from one Python process; they are all sent before any wait begins. */
  batch(specs: PythonSendSpec[]): Promise<PythonOutcome[]> {
    return pythonBatch(specs, this.env);
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.timer = undefined;
    pythonBatch(batch.map((p) => p.spec), this.env).then(
      (outcomes) => batch.forEach((p, i) => p.resolve(outcomes[i]!)),
      (err: unknown) => batch.forEach((p) => p.reject(err)),
    );
  }
}
