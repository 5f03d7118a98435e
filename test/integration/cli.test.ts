// The `celeriac` command end to end: a worker process and `call --wait` on the embedded broker.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cliPath, projectRoot, spawnWorker, type WorkerProcess } from './worker-processes.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'celeriac-cli-'));
const env = { ...process.env, QUICKSTART_BROKER: `sqlite:///${join(dir, 'cli.db')}` };
let worker: WorkerProcess;

async function celeriac(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cliPath, ...args], { cwd: projectRoot, env });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

before(async () => {
  worker = await spawnWorker(['-A', './examples/quickstart/tasks.ts', '-Q', 'celery', '-c', '8', '-n', 'w1@%h', '-l', 'info'], env);
});
after(async () => {
  worker.child.kill('SIGTERM');
  assert.equal(await worker.exited, 0);
  rmSync(dir, { recursive: true, force: true });
});

test('call --wait prints the result, with -A before or after the subcommand', async () => {
  const before = await celeriac('-A', './examples/quickstart/tasks.ts', 'call', 'tasks.add', '--args', '[2,3]', '--wait');
  assert.equal(before.code, 0, before.stderr);
  assert.equal(before.stdout.trim(), '5');
  const afterSub = await celeriac('call', 'tasks.mul', '-A', './examples/quickstart/tasks.ts', '--args', '[6,7]', '--wait');
  assert.equal(afterSub.stdout.trim(), '42');
});

test('call without --wait prints the id, and result <id> reads it', async () => {
  const sent = await celeriac('-A', './examples/quickstart/tasks.ts', 'call', 'tasks.xsum', '--args', '[[1,2,3]]');
  const id = sent.stdout.trim();
  assert.match(id, /^[0-9a-f-]{36}$/);
  const { stdout } = await celeriac('-A', './examples/quickstart/tasks.ts', 'result', id);
  assert.equal(stdout.trim(), '6');
  assert.equal((await celeriac('-A', './examples/quickstart/tasks.ts', 'result', '--state', id)).stdout.trim(), 'SUCCESS');
});

test('--broker alone is enough to call a task defined elsewhere', async () => {
  const r = await celeriac('--broker', env.QUICKSTART_BROKER, 'call', 'tasks.add', '--args', '[40,2]', '--wait');
  assert.equal(r.stdout.trim(), '42', r.stderr);
});

test('bad input prints one clear line and exits non-zero, no stack trace', async () => {
  const badJson = await celeriac('-A', './examples/quickstart/tasks.ts', 'call', 'tasks.add', '--args', '[2,');
  assert.equal(badJson.code, 2);
  assert.match(badJson.stderr, /--args must be JSON/);
  assert.doesNotMatch(badJson.stderr, /\n\s+at /);
  const noApp = await celeriac('-A', './does/not/exist.ts', 'call', 'tasks.add');
  assert.notEqual(noApp.code, 0);
  assert.match(noApp.stderr, /cannot find the app module/);
  const badOpt = await celeriac('worker', '--concurrency', 'lots', '-A', './examples/quickstart/tasks.ts');
  assert.equal(badOpt.code, 2);
  assert.match(badOpt.stderr, /--concurrency must be a positive integer/);
  const unknown = await celeriac('frobnicate');
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /unknown command/);
});

test('--version and --help', async () => {
  assert.match((await celeriac('--version')).stdout, /^\d+\.\d+\.\d+/);
  const help = await celeriac('--help');
  for (const cmd of ['worker', 'call', 'result', 'purge', 'dead']) assert.match(help.stdout, new RegExp(`\\b${cmd}\\b`));
  assert.match((await celeriac('worker', '--help')).stdout, /--concurrency/);
});

test('purge empties a queue and dead list reports dead letters', async () => {
  const purged = await celeriac('--broker', env.QUICKSTART_BROKER, 'purge', '-Q', 'nobody-consumes-this');
  assert.equal(purged.code, 0, purged.stderr);
  assert.match(purged.stdout, /Purged 0 messages/);
  await celeriac('--broker', env.QUICKSTART_BROKER, 'call', 'tasks.add', '-Q', 'nobody-consumes-this', '--args', '[1,1]');
  await celeriac('--broker', env.QUICKSTART_BROKER, 'call', 'tasks.add', '-Q', 'nobody-consumes-this', '--args', '[1,1]');
  assert.match((await celeriac('--broker', env.QUICKSTART_BROKER, 'purge', '-Q', 'nobody-consumes-this')).stdout, /Purged 2 messages/);
  const dead = await celeriac('--broker', env.QUICKSTART_BROKER, 'dead', 'list');
  assert.equal(dead.code, 0, dead.stderr);
  assert.match(dead.stdout, /\d+ dead letters?/);
});
