// The demo's app: the quick-start tasks, seed 000's routing of `webhook.*` / `internal.*` tasks
// to their own queues, and a task that digests a real file.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Celery } from 'celeriac';

/** Seed 000 names its queues `<project>#workerQueue@<name>`. */
export const workerQueue = (name: string): string => `hackfun#workerQueue@${name}`;

export const app = new Celery('demo', {
  broker_url: process.env.DEMO_BROKER_URL ?? 'sqlite:///celeriac-demo.db',
  task_routes: {
    'webhook.*': { queue: workerQueue('webhook') },
    'internal.*': { queue: workerQueue('internal') },
  },
});

export const add = app.task('tasks.add', (x: number, y: number) => x + y);
export const mul = app.task('tasks.mul', (x: number, y: number) => x * y);
export const xsum = app.task('tasks.xsum', (numbers: number[]) => numbers.reduce((a, b) => a + b, 0));

/** Seed 000's handlers report which queue delivered them. */
export const webhookPrint = app.task({ name: 'webhook.print', bind: true }, (ctx, messageBody: string) => ({
  handler: 'webhook_print',
  messageBody,
  queue: ctx.request.deliveryInfo.routingKey,
}));
export const internalPrint = app.task({ name: 'internal.print', bind: true, params: ['messageBody', 'extra'] }, (ctx, messageBody: string, extra?: string) => ({
  handler: 'internal_print',
  messageBody,
  extra: extra ?? null,
  queue: ctx.request.deliveryInfo.routingKey,
}));

export interface FileDigest {
  path: string;
  bytes: number;
  lines: number;
  words: number;
  sha256: string;
}

/** SHA-256, line count and word count of one file. */
export const digestFile = app.task('files.digest', async (path: string): Promise<FileDigest> => {
  const data = await readFile(path);
  const text = data.toString('utf8');
  let lines = 0;
  for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) lines++;
  if (data.length > 0 && data[data.length - 1] !== 10) lines++;
  const words = text.split(/\s+/).filter(Boolean).length;
  return { path, bytes: data.length, lines, words, sha256: createHash('sha256').update(data).digest('hex') };
});
