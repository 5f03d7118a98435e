// How every system of the Redis benchmarks is measured, in one place, so celeriac (bench/redis.ts),
// BullMQ and Python Celery are timed the same way. Plain JavaScript with no dependency (types in
// measure.d.mts), so bench/redis.ts can use it without bench/compare's node_modules.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** The sizes: W1 20,000 (loop and bulk), W2 100,000, W3 2,000; `--quick` is a tenth-ish. */
const FULL = { w1: 20_000, w2: 100_000, w3: 2_000 };
const QUICK = { w1: 2_000, w2: 10_000, w3: 500 };

/** The command line every system's script takes (see measure.d.mts for the meaning). */
export function parseBenchArgs(argv, defaults) {
  const { values } = parseArgs({
    args: argv,
    options: {
      workload: { type: 'string', default: 'W1,W2,W3,W4' },
      n: { type: 'string' },
      quick: { type: 'boolean', default: false },
      results: { type: 'string', default: 'both' },
      redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
      db: { type: 'string', default: String(defaults.db) },
      concurrency: { type: 'string', default: String(defaults.concurrency) },
      warmup: { type: 'string', default: '50' },
      'w1-warmup': { type: 'string' },
      'timeout-s': { type: 'string', default: '900' },
    },
  });
  const sizes = { ...(values.quick ? QUICK : FULL) };
  if (values.n !== undefined) {
    const n = positive('--n', values.n);
    sizes.w1 = sizes.w2 = sizes.w3 = n;
  }
  const workloads = new Set(values.workload.split(',').map((w) => w.trim().toUpperCase()));
  for (const w of workloads) if (!['W1', 'W2', 'W3', 'W4'].includes(w)) throw new Error(`unknown workload ${w} (W1, W2, W3, W4)`);
  if (!['on', 'off', 'both'].includes(values.results)) throw new Error(`--results must be on, off or both`);
  const results = values.results === 'both' ? [true, false] : [values.results === 'on'];
  const db = Number(values.db);
  return {
    workloads,
    sizes,
    results,
    redisBase: values.redis.replace(/\/+$/, ''),
    db,
    redisUrl: `${values.redis.replace(/\/+$/, '')}/${db}`,
    concurrency: positive('--concurrency', values.concurrency),
    warmup: Number(values.warmup),
    // A tenth of W1's size by default (2,000 at full size): the JIT compiles each system's send
    // path during it, so the timed part is the steady state a long-running client sees.
    w1Warmup: values['w1-warmup'] === undefined ? Math.ceil(sizes.w1 / 10) : Number(values['w1-warmup']),
    timeoutMs: positive('--timeout-s', values['timeout-s']) * 1000,
  };
}

function positive(name, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got '${text}'`);
  return n;
}

/** Prints one result line. */
export function emit(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

export function tasksPerSecond(tasks, ms) {
  return Math.round((tasks / ms) * 1000);
}

/** A W1 line: `n` tasks enqueued in `ms` milliseconds, the way `mode` names (with `details`). */
export function emitEnqueue(system, mode, n, ms, details = {}) {
  emit({ ...system, workload: 'W1', mode, ...details, tasks: n, seconds: round3(ms / 1000), tasks_per_s: tasksPerSecond(n, ms) });
}

/**
 * W1, timed the same for every system: `warmup` tasks sent the mode's way, untimed, then `n`
 * timed; emits the W1 line. `send(k)` sends k tasks; `finish`, when given, is timed after the
 * last send (e.g. waiting for the broker's last acknowledgement when sends resolve earlier).
 */
export async function timeEnqueue(system, mode, { n, warmup, send, finish, details }) {
  await send(warmup);
  const t0 = performance.now();
  await send(n);
  if (finish) await finish();
  emitEnqueue(system, mode, n, performance.now() - t0, details);
}

/**
 * The lines of one W2 drain (what `timeDrain` returned): W2 when asked for and, with results on,
 * W4, the worker's peak RSS during it.
 */
export function emitDrain(system, args, { n, results, drain }) {
  const { rss, ms: _ms, ...timing } = drain;
  if (args.workloads.has('W2')) emit({ ...system, workload: 'W2', results, tasks: n, ...timing });
  if (results && args.workloads.has('W4')) emit({ ...system, workload: 'W4', during: 'W2 results on', tasks: n, ...rss });
}

/**
 * Runs the workloads asked for in the same order for every system: W1, W2 (once per `--results`
 * value), W3. W4 is measured during W2 with results on, run for it alone when W2 was not asked for.
 */
export async function runWorkloads(args, { w1, w2, w3 }) {
  if (args.workloads.has('W1')) await w1();
  if (args.workloads.has('W2')) for (const results of args.results) await w2(results);
  else if (args.workloads.has('W4')) await w2(true);
  if (args.workloads.has('W3')) await w3();
}

/**
 * W3, timed the same for every system: `warmup` untimed round trips (the first ones also wait
 * for the worker to be up), then `n` timed one after another; emits the W3 line. `roundTrip`
 * sends one task, waits for its result and resolves with the milliseconds it took; a rejection
 * of `died` (the worker exited) ends the warm-up with its error.
 */
export async function timeRoundTrips(system, { n, warmup, roundTrip, died }) {
  for (let i = 0; i < warmup; i++) await (died ? Promise.race([roundTrip(), died]) : roundTrip());
  const samples = [];
  for (let i = 0; i < n; i++) samples.push(await roundTrip());
  emit({ ...system, workload: 'W3', tasks: n, ...percentiles(samples) });
}

/** p50/p95/p99/mean of round-trip samples in milliseconds (nearest-rank, as bench.py does). */
export function percentiles(samplesMs) {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q) => round3(s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0);
  const mean = s.reduce((sum, x) => sum + x, 0) / Math.max(1, s.length);
  return { p50_ms: at(0.5), p95_ms: at(0.95), p99_ms: at(0.99), mean_ms: round3(mean) };
}

const round3 = (x) => Number(x.toFixed(3));

/**
 * Peak resident memory of a worker: VmHWM of the process and of every descendant (Celery's
 * prefork pool children), summed, in MiB. Read while the processes are still alive.
 */
export function peakRss(pid) {
  const tree = processTree(pid);
  const hwm = tree.map((p) => {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      return match ? Number(match[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  });
  const sum = hwm.reduce((a, b) => a + b, 0);
  return { rss_mib: Math.round(sum), main_rss_mib: Math.round(hwm[0] ?? 0), processes: tree.length };
}

/** `pid` and all its descendants. */
function processTree(pid) {
  const parents = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the fields start after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // the process ended while we looked
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, ppid] of parents) if (ppid === tree[i]) tree.push(child);
  }
  return tree;
}

/** CPU time (user + system) used so far by `pid` and its descendants, in seconds. */
export function cpuSeconds(pid) {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // gone
    }
  }
  return ticks / CLOCK_TICKS;
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat times; 100 on every common platform. */
const CLOCK_TICKS = 100;

/** CPU seconds the Redis server has used (INFO cpu: main thread plus background threads). */
export async function redisCpuSeconds(redis) {
  const info = await redis.info('cpu');
  const field = (name) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/**
 * Resolves with `performance.now()` taken just before the first check that came back true.
 * Checks one after another, `intervalMs` apart (0: back to back).
 */
export async function waitFor(check, { intervalMs, timeoutMs, what, signal }) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const at = performance.now();
    if (await check()) return at;
    if (at > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    if (intervalMs > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Keys matching `pattern`, counted with SCAN (never KEYS: it would stall Redis for everyone). */
export async function countKeys(redis, pattern) {
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 10_000);
    cursor = next;
    count += keys.length;
  } while (cursor !== '0');
  return count;
}

/** Celery and celeriac store each result at `celery-task-meta-<id>`: done when N of them exist. */
export function celeryResultsStored(redis, n) {
  return async () => (await redis.dbsize()) >= n && (await countKeys(redis, 'celery-task-meta-*')) >= n;
}

/**
 * W2 of Celery and celeriac, which share kombu's layout: `timeDrain` of the `celery` list, done
 * when N results are stored (results on) or when the list and the `unacked` hash are both gone,
 * every message taken and acknowledged (results off).
 */
export function timeKombuDrain({ redis, n, results, startWorker, timeoutMs }) {
  const drained = async () => (await redis.exists('celery', 'unacked')) === 0;
  return timeDrain({ redis, queueKey: 'celery', n, isDone: results ? celeryResultsStored(redis, n) : drained, startWorker, timeoutMs });
}

/**
 * W2, the same for every system: with N tasks already queued in `queueKey`, start the worker
 * (`startWorker`), take t0 when the queue first shrinks (polled every millisecond, so the worker's
 * start-up is not counted) and t1 when `isDone()` first holds (polled every 5 ms), then read the
 * worker's peak RSS before stopping it. Also the CPU the worker and Redis spent between t0 and t1.
 */
export async function timeDrain({ redis, queueKey, n, isDone, startWorker, timeoutMs }) {
  const before = await redis.llen(queueKey);
  if (before !== n) throw new Error(`expected ${n} queued messages in '${queueKey}', found ${before}`);
  const stop = new AbortController();
  const { signal } = stop;
  const firstTake = waitFor(async () => (await redis.llen(queueKey)) < n, {
    intervalMs: 1,
    timeoutMs,
    what: 'the worker to take its first message',
    signal,
  });
  firstTake.catch(() => undefined); // awaited below; this only keeps an early failure from being unhandled
  let worker;
  try {
    worker = await startWorker();
    const died = worker.exited.then((code) => workerDied(worker, code));
    died.catch(() => undefined); // only raced below; our own SIGTERM at the end must not count as a death
    const t0 = await Promise.race([firstTake, died]);
    const cpu0 = [cpuSeconds(worker.child.pid), await redisCpuSeconds(redis)];
    const t1 = await Promise.race([waitFor(isDone, { intervalMs: 5, timeoutMs, what: `${n} tasks to finish`, signal }), died]);
    const cpu1 = [cpuSeconds(worker.child.pid), await redisCpuSeconds(redis)];
    const ms = t1 - t0;
    const perTask = (i) => Math.round(((cpu1[i] - cpu0[i]) * 1e6) / n);
    return {
      ms,
      seconds: round3(ms / 1000),
      tasks_per_s: tasksPerSecond(n, ms),
      // Where the time went: CPU per task of the worker (all its processes) and of Redis.
      worker_cpu_us_per_task: perTask(0),
      redis_cpu_us_per_task: perTask(1),
      rss: peakRss(worker.child.pid),
    };
  } finally {
    stop.abort();
    if (worker) await stopProcess(worker);
  }
}

function workerDied(worker, code) {
  throw new Error(`worker exited (${code}) during the drain:\n${worker.stderr()}`);
}

/**
 * Starts a process with its output collected (stdout lines handed to `onLine`, stderr kept for
 * error messages, the last 64 KiB).
 */
export function startProcess(command, args, { env = {}, cwd, onLine } = {}) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stderr.on('data', (chunk) => {
    err = (err + chunk.toString()).slice(-65_536);
  });
  child.stdout.on('data', (chunk) => {
    out += chunk.toString();
    let nl;
    while ((nl = out.indexOf('\n')) !== -1) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      onLine?.(line);
    }
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, exited, stderr: () => err };
}

/** Runs a process to its end; resolves with its stdout lines, rejects on a non-zero exit. */
export async function runProcess(command, args, options = {}) {
  const lines = [];
  const proc = startProcess(command, args, { ...options, onLine: (line) => lines.push(line) });
  const code = await proc.exited;
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}:\n${proc.stderr()}`);
  return lines;
}

/** SIGTERM (warm shutdown), then SIGKILL if it is still there after `graceMs`. */
export async function stopProcess(proc, graceMs = 10_000) {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}
