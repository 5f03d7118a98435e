// celeriac against BullMQ and Python Celery on the same Redis, in one run: each workload of
// issue 3 (W1 enqueue loop and bulk, W2 drain with results on and off, W3 round trip, W4 worker
// peak RSS) run by every system in turn, interleaved (the order of the systems rotates every
// round, so no system always runs on a warmer or colder machine). Prints one JSON line per
// system × workload (the median over the rounds), then celeriac's ratios to each peer,
// higher-is-better: throughput as celeriac/peer, latency and memory as peer/celeriac.
//
//   (cd bench/compare && npm ci)       # BullMQ, once
//   node bench/compare/run.mjs [--quick | --n N] [--rounds 3] [--systems celeriac,bullmq,celery,floor]
//                              [--workloads W1,W2,W3] [--celeriac-concurrency 100] [--json-only]
//                              [--scenario-timeout-s 1800]
//
// `floor` (not run unless named) is bare ioredis doing each workload's Redis work with no task
// queue around it (floor-bench.mjs), so every figure can also be read against the machine.
// Each system runs in its own Redis database (celeriac 7, BullMQ 8, Celery 9, floor 6; FLUSHDB before
// every scenario), on --redis (default redis://127.0.0.1:6379), or with --private-redis on a
// `redis-server` of its own (a free port, no persistence) that only this run uses, so other
// clients of the shared server neither slow it nor count in its CPU figures.
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startProcess, stopProcess, waitFor } from './measure.mjs';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    n: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    systems: { type: 'string', default: 'celeriac,bullmq,celery' },
    workloads: { type: 'string', default: 'W1,W2,W3' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    'private-redis': { type: 'boolean', default: false },
    'celeriac-concurrency': { type: 'string', default: '100' },
    'bullmq-concurrency': { type: 'string', default: '100' },
    'celery-concurrency': { type: 'string', default: '1' },
    'json-only': { type: 'boolean', default: false },
    'scenario-timeout-s': { type: 'string', default: '1800' },
  },
});

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));

/** How each system's script is started; every script takes measure.mjs's command line. */
const SYSTEMS = {
  celeriac: {
    label: 'celeriac',
    command: [process.execPath, '--conditions=celeriac-source', '--import', 'tsx', `${root}bench/redis.ts`],
    cwd: root,
    concurrency: values['celeriac-concurrency'],
  },
  bullmq: { label: 'BullMQ', command: [process.execPath, `${here}bullmq-bench.mjs`], cwd: here, concurrency: values['bullmq-concurrency'] },
  celery: { label: 'Celery', command: [process.execPath, `${here}celery-bench.mjs`], cwd: here, concurrency: values['celery-concurrency'] },
  // Not a peer: bare ioredis on kombu's layout (floor-bench.mjs), what the machine allows.
  floor: { label: 'bare ioredis', command: [process.execPath, `${here}floor-bench.mjs`], cwd: here, concurrency: '1' },
};

const systems = values.systems.split(',').map((s) => s.trim());
for (const s of systems) if (!(s in SYSTEMS)) throw new Error(`unknown system ${s} (${Object.keys(SYSTEMS).join(', ')})`);
const rounds = Number(values.rounds);
const wanted = new Set(values.workloads.split(',').map((w) => w.trim().toUpperCase()));

/** The scenarios of one round, in order; W4 comes out of the W2 results-on run. */
const scenarios = [];
if (wanted.has('W1')) scenarios.push({ name: 'W1', args: ['--workload', 'W1'] });
if (wanted.has('W2') || wanted.has('W4')) {
  scenarios.push({ name: 'W2 results on', args: ['--workload', 'W2,W4', '--results', 'on'] });
  if (wanted.has('W2')) scenarios.push({ name: 'W2 results off', args: ['--workload', 'W2', '--results', 'off'] });
}
if (wanted.has('W3')) scenarios.push({ name: 'W3', args: ['--workload', 'W3'] });

/** A throwaway `redis-server` on a free port; resolves once it answers PING. */
async function startPrivateRedis() {
  const port = await new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  const server = startProcess(process.env.BENCH_REDIS_SERVER ?? 'redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
  ]);
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  await waitFor(
    async () => {
      try {
        await client.connect();
        return (await client.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    { intervalMs: 50, timeoutMs: 10_000, what: `redis-server on port ${port}` },
  );
  const version = /redis_version:(\S+)/.exec(await client.info('server'))?.[1];
  client.disconnect();
  return { server, url, version };
}

const privateRedis = values['private-redis'] ? await startPrivateRedis() : undefined;
const redisUrl = privateRedis?.url ?? values.redis;
const sizeArgs = [...(values.quick ? ['--quick'] : []), ...(values.n ? ['--n', values.n] : []), '--redis', redisUrl];

/** The key of a result line: which number of which workload it is. */
function keyOf(line) {
  if (line.workload === 'W1') return `W1 ${line.mode}`;
  if (line.workload === 'W2') return `W2 results ${line.results ? 'on' : 'off'}`;
  return line.workload;
}

const samples = new Map(); // `${system}\t${key}` -> lines
const failures = [];

async function runScenario(system, scenario) {
  const spec = SYSTEMS[system];
  const [command, ...prefix] = spec.command;
  const proc = startProcess(command, [...prefix, ...scenario.args, ...sizeArgs, '--concurrency', spec.concurrency], {
    cwd: spec.cwd,
    onLine(text) {
      let line;
      try {
        line = JSON.parse(text);
      } catch {
        return; // not a result line
      }
      const k = `${system}\t${keyOf(line)}`;
      if (!samples.has(k)) samples.set(k, []);
      samples.get(k).push(line);
      if (!values['json-only']) process.stderr.write(`  ${text}\n`);
    },
  });
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), Number(values['scenario-timeout-s']) * 1000);
  const code = await proc.exited;
  clearTimeout(timer);
  if (code !== 0) {
    const why = proc.stderr().trim().split('\n').slice(-8).join('\n    ');
    failures.push({ system, scenario: scenario.name, code, why });
    process.stderr.write(`  ${system} ${scenario.name} failed (${code}):\n    ${why}\n`);
  }
}

const started = Date.now();
const loadAtStart = loadavg()[0];
try {
  for (let round = 0; round < rounds; round++) {
    for (const scenario of scenarios) {
      // Rotate the order of the systems each round (and each scenario), so none always goes first.
      const offset = (round + scenarios.indexOf(scenario)) % systems.length;
      const order = [...systems.slice(offset), ...systems.slice(0, offset)];
      for (const system of order) {
        if (!values['json-only']) process.stderr.write(`round ${round + 1}/${rounds}  ${scenario.name}  ${system}\n`);
        await runScenario(system, scenario);
      }
    }
  }
} finally {
  if (privateRedis) await stopProcess(privateRedis.server);
}

/** The numbers compared, and which way is better. */
const METRICS = [
  { key: 'W1 loop', field: 'tasks_per_s', label: 'W1 enqueue, awaited loop (tasks/s)', higher: true },
  { key: 'W1 bulk', field: 'tasks_per_s', label: 'W1 enqueue, bulk (tasks/s)', higher: true },
  // celeriac only: broker_transport_options confirm_publish false (delay() resolves once written).
  { key: 'W1 loop-unconfirmed', field: 'tasks_per_s', label: 'W1 enqueue, awaited loop, confirm_publish false (tasks/s)', higher: true },
  { key: 'W2 results on', field: 'tasks_per_s', label: 'W2 drain, results on (tasks/s)', higher: true },
  { key: 'W2 results off', field: 'tasks_per_s', label: 'W2 drain, results off (tasks/s)', higher: true },
  { key: 'W3', field: 'p50_ms', label: 'W3 round trip p50 (ms)', higher: false },
  { key: 'W3', field: 'p95_ms', label: 'W3 round trip p95 (ms)', higher: false },
  { key: 'W3', field: 'p99_ms', label: 'W3 round trip p99 (ms)', higher: false },
  { key: 'W4', field: 'rss_mib', label: 'W4 worker peak RSS (MiB)', higher: false },
];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The median line of a system's samples for one key: every numeric field is its median. */
function medianLine(lines) {
  const out = { ...lines[0], rounds: lines.length };
  for (const [field, value] of Object.entries(lines[0])) {
    if (typeof value === 'number' && field !== 'tasks') out[field] = +median(lines.map((l) => l[field])).toFixed(3);
  }
  return out;
}

const medians = new Map();
for (const [k, lines] of samples) {
  const line = medianLine(lines);
  medians.set(k, line);
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const value = (system, metric) => medians.get(`${system}\t${metric.key}`)?.[metric.field];
const peers = systems.filter((s) => s !== 'celeriac');

function ratio(metric, peer) {
  const mine = value('celeriac', metric);
  const theirs = value(peer, metric);
  if (mine === undefined || theirs === undefined || mine === 0 || theirs === 0) return '—';
  const r = metric.higher ? mine / theirs : theirs / mine;
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×`;
}

const fmt = (x) => (x === undefined ? '—' : x >= 100 ? Math.round(x).toLocaleString('en-US') : String(+x.toFixed(2)));

if (!values['json-only']) {
  const header = ['workload', ...systems.map((s) => SYSTEMS[s].label), ...(systems.includes('celeriac') ? peers.map((p) => `celeriac vs ${SYSTEMS[p].label}`) : [])];
  const rows = METRICS.map((m) => [
    m.label,
    ...systems.map((s) => fmt(value(s, m))),
    ...(systems.includes('celeriac') ? peers.map((p) => ratio(m, p)) : []),
  ]);
  const print = (cells) => process.stdout.write(`| ${cells.join(' | ')} |\n`);
  process.stdout.write('\n');
  print(header);
  print(header.map(() => '---'));
  for (const row of rows) print(row);
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  process.stdout.write(
    `\nmedians of ${rounds} interleaved round(s); ratios higher-is-better (throughput celeriac/peer, latency and RSS peer/celeriac); ` +
      `${minutes} min; 1-min load average ${loadAtStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end\n`,
  );
  const workers = systems.map((s) => `${SYSTEMS[s].label} ${medians.get(`${s}\tW4`)?.worker ?? `concurrency ${SYSTEMS[s].concurrency}`}`);
  process.stdout.write(`workers: ${workers.join('; ')}\n`);
  process.stdout.write(`redis: ${privateRedis ? `private redis-server ${privateRedis.version} on ${privateRedis.url}` : values.redis}\n`);
}
if (failures.length > 0) {
  process.stderr.write(`\n${failures.length} scenario run(s) failed: ${failures.map((f) => `${f.system} ${f.scenario}`).join(', ')}\n`);
  process.exitCode = 1;
}
