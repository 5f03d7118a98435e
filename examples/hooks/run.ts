// Runs examples/hooks/tasks.ts on the in-memory broker with an in-process worker: a success, a
// failure, a task that retries twice then succeeds, and one whose automatic retries run out.
// Prints the handlers each task went through and the failures the base persisted.
// Usage: node --import tsx examples/hooks/run.ts
import { readFileSync, rmSync } from 'node:fs';
import { Worker, TaskFailedError, type AsyncResult } from 'celeriac';
import { alwaysDown, app, divide, failuresFile, fetchQuote, hookLog } from './tasks.js';

rmSync(failuresFile, { force: true });
app.setupLogging({ loglevel: process.env.HOOKS_LOGLEVEL ?? 'error' });
const worker = new Worker(app, { concurrency: 4, hostname: 'hooks@%h' });
await worker.start();

/** Resolves once the worker is done with the task (after its handlers ran). */
function finished(id: string): Promise<void> {
  return new Promise((resolve) => {
    const on = (taskId: string) => {
      if (taskId !== id) return;
      worker.off('task-done', on);
      resolve();
    };
    worker.on('task-done', on);
  });
}

async function show(label: string, send: () => Promise<AsyncResult<unknown>>): Promise<void> {
  const r = await send();
  const done = finished(r.id);
  let outcome: string;
  try {
    outcome = `= ${JSON.stringify(await r.get({ timeout: 10_000 }))}`;
  } catch (err) {
    outcome = err instanceof TaskFailedError ? `failed: ${err.excType}: ${err.excMessage.join(', ')}` : `error: ${String(err)}`;
  }
  await done;
  console.log(`${label.padEnd(22)} ${outcome}`);
  console.log(`${''.padEnd(22)} hooks: ${(hookLog.get(r.id) ?? []).join(' → ')}`);
}

try {
  await show('divide(10, 4)', () => divide.delay(10, 4));
  await show('divide(1, 0)', () => divide.delay(1, 0));
  await show("fetchQuote('ACME')", () => fetchQuote.delay('ACME'));
  await show('alwaysDown()', () => alwaysDown.delay());
  const persisted = readFileSync(failuresFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { task: string; exc: string; retries: number });
  console.log(`\nfailures persisted by the base (${failuresFile}): ${persisted.length}`);
  for (const f of persisted) console.log(`  ${f.task}  ${f.exc}  (after ${f.retries} retries)`);
} finally {
  await worker.stop();
  await app.close();
  rmSync(failuresFile, { force: true });
}
