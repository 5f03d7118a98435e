// Soak: repeated W2-style drains (N tasks queued on Redis, then one `celeriac worker` runs them)
// under adverse conditions, checking celeriac's promise that nothing is lost and nothing stalls
// silently (issue 3 part 5, Celery #8030):
//   - every queued task runs (each run adds its task id to a set: N ids; with results on, N results
//     are stored) and the queue and kombu's `unacked` hash end empty, within --bound-s per drain;
//   - a stall is reported when nothing moves for --stall-s while work is left (queue or `unacked`
//     non-empty), with a state dump: list lengths, HLEN unacked, the owner hash's values counted,
//     the registered consumers, CLIENT LIST and the tail of the worker's log. The drain keeps
//     waiting (to tell a stall that ends from one that does not) until --bound-s.
// Exit code 1 when a drain stalled, lost tasks or ran past its bound.
//
//   node --conditions=celeriac-source --import tsx bench/soak.ts --port 6391 [--rounds 5] [--n 20000]
//        [--concurrency 100] [--results on|off] [--acks-late] [--socket-timeout-ms 1000]
//        [--faults sigstop-redis,stop-worker,client-kill,pin] [--fault-every-ms 4000] [--fault-ms 1500]
//        [--stall-s 20] [--bound-s 600] [--prefetch-multiplier 4]
//
// It starts (and at the end kills) its own redis-server on --port, with DEBUG enabled: never point
// it at a shared server (it FLUSHes it, freezes it, kills its clients). The faults, each switched
// on by name and applied every --fault-every-ms (±50%) during a drain:
//   sigstop-redis  SIGSTOP redis-server for --fault-ms, then SIGCONT (a command sent meanwhile
//                  outlives the socket timeout: the client gives up, Redis runs it later);
//   stop-worker    SIGSTOP the worker for --fault-ms (its timers are late when it resumes, as
//                  under valgrind: a socket timeout may fire before the reply is read);
//   client-kill    CLIENT KILL every connection but the harness's (a drop after a command ran);
//   pin            the worker and redis-server on CPU 0 with a busy loop beside them (a slow host).
// --socket-timeout-ms sets broker_transport_options socket_timeout (kombu spells it in seconds)
// so that timeouts happen without valgrind. Worker logs are kept in .tmp/soak/worker-<round>.log.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Celery } from '../src/index.js';
import { silentLogger } from '../src/internal/logger.js';
import { compiledBenchApp } from './compiled-app.js';

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string', default: '6391' },
    rounds: { type: 'string', default: '5' },
    n: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '100' },
    results: { type: 'string', default: 'on' },
    'acks-late': { type: 'boolean', default: false },
    'socket-timeout-ms': { type: 'string' },
    faults: { type: 'string', default: '' },
    'fault-every-ms': { type: 'string', default: '4000' },
    'fault-ms': { type: 'string', default: '1500' },
    'stall-s': { type: 'string', default: '20' },
    'bound-s': { type: 'string', default: '600' },
    'prefetch-multiplier': { type: 'string', default: '4' },
  },
});
const port = Number(opts.port);
const n = Number(opts.n);
const results = opts.results === 'on';
const faults = new Set(opts.faults.split(',').filter(Boolean));
for (const fault of faults) {
  if (!['sigstop-redis', 'stop-worker', 'client-kill', 'pin'].includes(fault)) throw new Error(`unknown fault '${fault}'`);
}
const url = `redis://127.0.0.1:${port}/0`;
const projectRoot = new URL('..', import.meta.url).pathname;
const tmp = `${projectRoot}.tmp/soak`;
const RUNS_KEY = 'soak:runs';
const RAN_KEY = 'soak:ran';

const settings: Record<string, unknown> = { task_acks_late: opts['acks-late'] };
if (opts['socket-timeout-ms'] !== undefined) {
  settings.broker_transport_options = { socket_timeout: Number(opts['socket-timeout-ms']) / 1000 };
}

/**
 * The worker's app: a task that records its id (the distinct tasks that ran) and its id with a
 * fresh uuid (every run, so a redelivery shows), both with SADD so that a command resent after a
 * killed connection counts once. Its client retries for ever: the client-kill fault fails no task.
 */
function writeWorkerApp(): string {
  compiledBenchApp(); // builds dist/ when stale
  mkdirSync(tmp, { recursive: true });
  const path = `${tmp}/soak-app.mjs`;
  writeFileSync(
    path,
    [
      "import { Celery } from 'celeriac';",
      "import { Redis } from 'ioredis';",
      "import { randomUUID } from 'node:crypto';",
      'const url = process.env.SOAK_BROKER_URL;',
      'const counter = new Redis(url, { maxRetriesPerRequest: null });',
      'counter.on(\'error\', () => undefined);',
      "const settings = JSON.parse(process.env.SOAK_SETTINGS ?? '{}');",
      "export const app = new Celery('soak', { broker_url: url, result_backend: process.env.SOAK_RESULT_BACKEND, ...settings });",
      `export const run = app.task({ name: 'soak.run', bind: true }, async (ctx) => {`,
      `  await counter.pipeline().sadd('${RAN_KEY}', ctx.request.id).sadd('${RUNS_KEY}', ctx.request.id + ' ' + randomUUID()).exec();`,
      '  return null;',
      '});',
      '',
    ].join('\n'),
  );
  return '.tmp/soak/soak-app.mjs';
}

function startRedis(): ChildProcess {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes'],
    { stdio: 'ignore' },
  );
  return child;
}

async function untilAnswers(client: Redis): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await client.ping();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`redis-server on ${port} did not start`);
}

async function enqueue(): Promise<void> {
  const app = new Celery('soak', { broker_url: url, result_backend: 'disabled' }, { logger: silentLogger() });
  const run = app.task('soak.run', () => null);
  try {
    for (let i = 0; i < n; i += 1000) {
      const batch: Promise<unknown>[] = [];
      for (let j = 0; j < 1000 && i + j < n; j++) batch.push(run.delay());
      await Promise.all(batch);
    }
  } finally {
    await app.close();
  }
}

function startWorker(appPath: string, round: number): { child: ChildProcess; log: string } {
  const log = `${tmp}/worker-${round}.log`;
  const fd = openSync(log, 'w');
  const argv = ['bin/celeriac.js', 'worker', '-A', appPath, '-c', opts.concurrency, '--prefetch-multiplier', opts['prefetch-multiplier'], '-l', 'warning'];
  const command = faults.has('pin') ? 'taskset' : process.execPath;
  const child = spawn(command, faults.has('pin') ? ['-c', '0', process.execPath, ...argv] : argv, {
    cwd: projectRoot,
    env: {
      ...process.env,
      CELERIAC_RUNTIME: 'dist',
      SOAK_BROKER_URL: url,
      SOAK_RESULT_BACKEND: results ? url : 'disabled',
      SOAK_SETTINGS: JSON.stringify(settings),
    },
    stdio: ['ignore', fd, fd],
  });
  return { child, log };
}

interface Sample {
  queued: number;
  unacked: number;
  /** Distinct tasks that ran. */
  ran: number;
}

async function sample(client: Redis): Promise<Sample> {
  const replies = (await client.pipeline().llen('celery').hlen('unacked').scard(RAN_KEY).exec()) ?? [];
  const value = (i: number): number => Number(replies[i]?.[1] ?? 0);
  return { queued: value(0), unacked: value(1), ran: value(2) };
}

async function countResults(client: Redis): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', 'celery-task-meta-*', 'COUNT', 10_000);
    cursor = next;
    count += keys.length;
  } while (cursor !== '0');
  return count;
}

/** What a person needs to see a stall: where the messages are, who holds them, what the worker said. */
async function dump(client: Redis, log: string): Promise<string> {
  const lines: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', 'celery*', 'COUNT', 1000, 'TYPE', 'list');
    cursor = next;
    for (const key of keys) lines.push(`LLEN ${JSON.stringify(key)} = ${await client.llen(key)}`);
  } while (cursor !== '0');
  lines.push(`HLEN unacked = ${await client.hlen('unacked')}, ZCARD unacked_index = ${await client.zcard('unacked_index')}`);
  const owners = new Map<string, number>();
  for (const [field, owner] of Object.entries(await client.hgetall('celeriac.unacked_owner'))) {
    if (field.startsWith('celeriac')) continue; // the hash's marker entry
    owners.set(owner, (owners.get(owner) ?? 0) + 1);
  }
  lines.push(`owner hash: ${JSON.stringify(Object.fromEntries(owners))}`);
  lines.push(`celeriac.consumers: ${JSON.stringify(await client.hgetall('celeriac.consumers'))}`);
  lines.push(`CLIENT LIST:\n${String(await client.client('LIST')).trim()}`);
  const tail = readFileSync(log, 'utf8').split('\n').slice(-40).join('\n');
  lines.push(`worker log (${log}, last 40 lines):\n${tail}`);
  return lines.join('\n');
}

const jitter = (ms: number): number => ms * (0.5 + Math.random());
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Applies the switched-on faults until `done` aborts. */
async function applyFaults(redisServer: ChildProcess, worker: ChildProcess, signal: AbortSignal): Promise<Map<string, number>> {
  const every = Number(opts['fault-every-ms']);
  const length = Number(opts['fault-ms']);
  const counts = new Map<string, number>();
  const kinds = [...faults].filter((fault) => fault !== 'pin');
  if (kinds.length === 0) return counts;
  const killer = new Redis(url);
  try {
    // Not before the worker consumes: a worker that cannot start says so and exits (not a stall).
    while (!signal.aborted && (await killer.llen('celery')) >= n) await sleep(100);
    while (!signal.aborted) {
      await sleep(jitter(every));
      if (signal.aborted) break;
      const kind = kinds[Math.floor(Math.random() * kinds.length)]!;
      if (kind === 'client-kill') {
        await killer.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes').catch(() => undefined);
      } else {
        const target = kind === 'sigstop-redis' ? redisServer : worker;
        target.kill('SIGSTOP');
        await sleep(jitter(length));
        target.kill('SIGCONT');
      }
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
  } finally {
    killer.disconnect();
  }
  return counts;
}

/** One drain; returns the problems it found. */
async function drain(client: Redis, redisServer: ChildProcess, appPath: string, round: number): Promise<string[]> {
  await client.flushdb();
  await enqueue();
  const problems: string[] = [];
  const worker = startWorker(appPath, round);
  const exited = new Promise<number | string>((resolve) => worker.child.once('exit', (code, sig) => resolve(code ?? sig ?? -1)));
  let workerExit: number | string | undefined;
  void exited.then((code) => (workerExit = code));
  const stopFaults = new AbortController();
  const faulting = applyFaults(redisServer, worker.child, stopFaults.signal);
  const t0 = performance.now();
  const stallMs = Number(opts['stall-s']) * 1000;
  const boundMs = Number(opts['bound-s']) * 1000;
  let last = await sample(client);
  let lastMove = performance.now();
  let stalledAt: number | undefined;
  let applied: Map<string, number> | undefined;
  try {
    for (;;) {
      await sleep(500);
      if (workerExit !== undefined) {
        problems.push(`worker exited (${workerExit}); log ${worker.log}`);
        break;
      }
      const now = await sample(client);
      const at = performance.now();
      if (now.ran >= n && now.queued === 0 && now.unacked === 0 && (!results || (await countResults(client)) >= n)) break;
      // (Not DBSIZE: the restorer's mutex and the liveness key come and go in a stall too.)
      if (now.ran !== last.ran || now.queued !== last.queued || now.unacked !== last.unacked) {
        if (stalledAt !== undefined) {
          problems.push(`stall ended by itself after ${((at - stalledAt) / 1000).toFixed(1)} s`);
          stalledAt = undefined;
        }
        lastMove = at;
      } else if (stalledAt === undefined && at - lastMove > stallMs) {
        stalledAt = lastMove;
        const what = `STALL: nothing moved for ${(stallMs / 1000).toFixed(0)} s with ${now.queued} queued, ${now.unacked} unacked, ${now.ran}/${n} run`;
        problems.push(what);
        console.log(`  ${what}\n${(await dump(client, worker.log)).replace(/^/gm, '    ')}`);
      }
      last = now;
      if (at - t0 > boundMs) {
        problems.push(`not done within ${opts['bound-s']} s: ${now.queued} queued, ${now.unacked} unacked, ${now.ran}/${n} run`);
        break;
      }
    }
  } finally {
    stopFaults.abort();
    applied = await faulting;
    worker.child.kill('SIGCONT');
    worker.child.kill('SIGTERM');
    const killer = setTimeout(() => worker.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
  }
  const runs = await client.scard(RUNS_KEY);
  const ran = await client.scard(RAN_KEY);
  if (ran < n) problems.push(`${n - ran} task(s) never ran`);
  if (runs > ran) problems.push(`${runs - ran} run(s) more than tasks (redeliveries)`);
  const warnings = readFileSync(worker.log, 'utf8').split('\n').filter((line) => /"level":[456]0/.test(line));
  const reclaims = warnings.filter((line) => line.includes('reply was lost')).length;
  const faultList = [...(applied ?? [])].map(([kind, count]) => `${count} ${kind}`).join(', ') || 'no faults';
  console.log(
    `round ${round}: ${((performance.now() - t0) / 1000).toFixed(1)} s, ${ran}/${n} ran (${runs} runs), ${faultList}, ` +
      `${warnings.length} warning(s) (${reclaims} lost fetch replies) in ${worker.log}`,
  );
  return problems;
}

const redisServer = startRedis();
const hogs: ChildProcess[] = [];
const client = new Redis(url, { lazyConnect: true });
client.on('error', () => undefined);
let failed = false;
try {
  await untilAnswers(client);
  if (faults.has('pin')) {
    spawn('taskset', ['-p', '-c', '0', String(redisServer.pid)], { stdio: 'ignore' });
    hogs.push(spawn('taskset', ['-c', '0', process.execPath, '-e', 'for (;;);'], { stdio: 'ignore' }));
  }
  const appPath = writeWorkerApp();
  console.log(`soak: ${opts.rounds} drain(s) of ${n}, -c ${opts.concurrency}, results ${opts.results}, acks_late ${opts['acks-late']}, settings ${JSON.stringify(settings)}, faults [${[...faults].join(', ')}]`);
  for (let round = 1; round <= Number(opts.rounds); round++) {
    const problems = await drain(client, redisServer, appPath, round);
    for (const problem of problems) console.log(`  PROBLEM: ${problem}`);
    if (problems.some((problem) => !problem.includes('more than tasks'))) failed = true;
  }
} finally {
  client.disconnect();
  for (const hog of hogs) hog.kill('SIGKILL');
  redisServer.kill('SIGCONT');
  redisServer.kill('SIGKILL');
}
console.log(failed ? 'soak: FAILED' : 'soak: ok');
process.exitCode = failed ? 1 : 0;
