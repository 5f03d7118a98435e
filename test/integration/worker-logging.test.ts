// The worker's log: `-l`, `--logfile`, `--log-format celery|json`, and task logger lines tagged
// with the task name and id in Celery's format (`[time: LEVEL/process] name[id]: message`).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnWorker } from './worker-processes.js';

const dir = mkdtempSync(join(tmpdir(), 'celeriac-logging-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const APP = 'test/fixtures/apps/logging-app.ts';

async function runOnce(name: string, args: string[]): Promise<{ id: string; stderr: string }> {
  const env = { LOGGING_BROKER_URL: `sqlite:///${join(dir, `${name}.db`)}` };
  Object.assign(process.env, env);
  const { app, greet } = (await import(`../fixtures/apps/logging-app.ts?${name}`)) as typeof import('../fixtures/apps/logging-app.js');
  const worker = await spawnWorker(['-A', APP, '-c', '1', ...args], env);
  let stderr = '';
  worker.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // The result can arrive before the worker's log line about it has been read from the pipe (seen
  // under load): the log is read to its end, after the worker exited.
  const stderrRead = new Promise((resolve) => worker.child.stderr!.once('close', resolve));
  let id: string;
  try {
    const r = await greet.delay('ada');
    assert.equal(await r.get({ timeout: 30_000 }), 'hi ada');
    id = r.id;
  } finally {
    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0);
    await app.close();
  }
  await stderrRead;
  return { id, stderr };
}

test("--logfile with Celery's format: task logger lines carry the task name and id", { timeout: 90_000 }, async () => {
  const logfile = join(dir, 'worker.log');
  const { id } = await runOnce('text', ['-l', 'info', '--logfile', logfile, '--log-format', 'celery']);
  const lines = readFileSync(logfile, 'utf8').split('\n');
  const stamp = String.raw`\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}: INFO/MainProcess\]`;
  assert.ok(lines.some((l) => new RegExp(`^${stamp} tasks\\.greet\\[${id}\\]: hello ada$`).test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => new RegExp(`^${stamp} Task tasks\\.greet\\[${id}\\] succeeded in`).test(l)), lines.join('\n'));
  assert.ok(!lines.some((l) => l.includes('a debug line')), '-l info leaves debug lines out');
});

test('--log-format json: one JSON object a line, task lines with taskName and taskId', { timeout: 90_000 }, async () => {
  const { id, stderr } = await runOnce('json', ['-l', 'debug', '--log-format', 'json']);
  const records = stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string; taskName?: string; taskId?: string });
  const hello = records.find((r) => r.msg === 'hello ada');
  assert.ok(hello, stderr);
  assert.equal(hello.taskName, 'tasks.greet');
  assert.equal(hello.taskId, id);
  assert.equal(hello.level, 30);
  assert.ok(records.some((r) => r.msg === 'a debug line' && r.level === 20), '-l debug keeps debug lines');
});
