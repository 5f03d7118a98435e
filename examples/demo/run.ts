// `npm run demo`: the main job end to end on the embedded broker, across processes.
// 1. starts a worker in a child process (`celeriac worker -A examples/demo/tasks.ts ...`);
// 2. runs the quick start (tasks.add / tasks.mul / tasks.xsum) and seed 000's routing;
// 3. digests every file of a directory (default: this project's src/) with one task per file,
//    showing a progress bar, then prints a summary table;
// 4. stops the worker with SIGTERM (warm shutdown) and checks it exits cleanly.
// Usage: npm run demo [-- <directory>]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = resolve(process.argv[2] ?? join(root, 'src'));
const workDir = mkdtempSync(join(tmpdir(), 'celeriac-demo-'));
// Both processes must agree on the broker before the app module is evaluated.
process.env.DEMO_BROKER_URL = `sqlite:///${join(workDir, 'demo.db')}`;

const { app, add, mul, xsum, webhookPrint, internalPrint, digestFile, workerQueue } = await import('./tasks.js');

function listFiles(path: string, out: string[] = []): string[] {
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const full = join(path, name);
    if (statSync(full).isDirectory()) listFiles(full, out);
    else out.push(full);
  }
  return out;
}

function startWorker(): Promise<ChildProcess> {
  const queues = ['celery', workerQueue('webhook'), workerQueue('internal')].join(',');
  const child = spawn(
    process.execPath,
    [join(root, 'bin/celeriac.js'), 'worker', '-A', join(root, 'examples/demo/tasks.ts'), '-Q', queues, '-c', '8', '-n', 'demo@%h', '-l', 'warning'],
    { stdio: ['ignore', 'pipe', 'inherit'], env: process.env },
  );
  return new Promise((resolveReady, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line.includes('ready')) resolveReady(child);
    });
    child.once('exit', (code) => reject(new Error(`the worker exited early with code ${code}`)));
  });
}

function table(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}

const worker = await startWorker();
console.log(`worker started (pid ${worker.pid}) on the embedded broker ${process.env.DEMO_BROKER_URL}\n`);

try {
  console.log('quick start');
  const timeout = 30_000;
  console.log(`  add(2, 3)        = ${await (await add.delay(2, 3)).get({ timeout })}`);
  console.log(`  mul(6, 7)        = ${await (await mul.delay(6, 7)).get({ timeout })}`);
  console.log(`  xsum([1..10])    = ${await (await xsum.delay([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).get({ timeout })}`);
  console.log(`  add(2, 3) local  = ${add(2, 3)}`);

  console.log('\nrouting (seed 000: webhook.* and internal.* go to their own queues)');
  const hook = await (await webhookPrint.delay('webhook_print_haha')).get({ timeout });
  const internal = await (await internalPrint.applyAsync(['internal_print_haha'], { extra: 'internal_print other args' })).get({ timeout });
  console.log(`  webhook.print   ran from queue ${hook.queue}`);
  console.log(`  internal.print  ran from queue ${internal.queue} (kwargs extra=${JSON.stringify(internal.extra)})`);

  const files = listFiles(dir);
  console.log(`\ndigesting ${files.length} files under ${relative(process.cwd(), dir) || '.'}`);
  const started = performance.now();
  const results = await Promise.all(files.map((f) => digestFile.delay(f)));
  const bar = new cliProgress.SingleBar({ format: '  [{bar}] {value}/{total} files', hideCursor: true }, cliProgress.Presets.shades_classic);
  bar.start(files.length, 0);
  let done = 0;
  const digests = await Promise.all(
    results.map(async (r) => {
      const d = await r.get({ timeout: 120_000 });
      bar.update(++done);
      return d;
    }),
  );
  bar.stop();
  const seconds = (performance.now() - started) / 1000;
  const totals = digests.reduce((t, d) => ({ bytes: t.bytes + d.bytes, lines: t.lines + d.lines, words: t.words + d.words }), { bytes: 0, lines: 0, words: 0 });
  const largest = digests.reduce((a, b) => (b.bytes > a.bytes ? b : a), digests[0]!);
  console.log(
    '\n' +
      table([
        ['files', String(digests.length)],
        ['bytes', totals.bytes.toLocaleString('en-US')],
        ['total lines', totals.lines.toLocaleString('en-US')],
        ['total words', totals.words.toLocaleString('en-US')],
        ['largest', `${relative(dir, largest.path)} (${largest.lines} lines, sha256 ${largest.sha256.slice(0, 12)}…)`],
        ['tasks/s', (digests.length / seconds).toFixed(0)],
      ]),
  );
} finally {
  const exited = new Promise<number | null>((r) => worker.once('exit', (code) => r(code)));
  worker.kill('SIGTERM');
  const code = await exited;
  await app.close();
  rmSync(workDir, { recursive: true, force: true });
  console.log(`\nworker stopped (warm shutdown, exit code ${code})`);
  if (code !== 0) process.exitCode = 1;
}
