// Calling options end to end on each embedded transport: the msgpack serializer, compression
// (per call, per task, task_compression), accept_content refusals dead-lettered with the reason,
// and shadow names in the worker's log lines.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Celery, Worker, type AsyncResult, type SettingsInput } from 'celeriac';
import { silentLogger } from '../../src/internal/logger.js';

const dir = mkdtempSync(join(tmpdir(), 'celeriac-calling-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const brokers: Array<[string, () => string]> = [
  ['memory', () => 'memory://'],
  ['sqlite', () => `sqlite:///${join(dir, `c-${Math.random().toString(36).slice(2)}.db`)}`],
];

function makeApp(url: string, settings: SettingsInput = {}, logger = silentLogger()) {
  const app = new Celery('calling', { broker_url: url, accept_content: ['json', 'msgpack'], ...settings }, { logger });
  const echo = app.task('tasks.echo', (...args: unknown[]) => args);
  const packed = app.task({ name: 'tasks.packed', serializer: 'msgpack', compression: 'brotli' }, (n: number) => n * 2);
  return { app, echo, packed };
}

/** The headers of every message `app` publishes from now on, in order. */
function publishedHeaders(app: Celery): Array<Record<string, unknown>> {
  const published: Array<Record<string, unknown>> = [];
  app.signals.beforeTaskPublish.connect(({ headers }) => {
    published.push(headers);
  });
  return published;
}

for (const [kind, url] of brokers) {
  describe(`calling options on ${kind}`, () => {
    test('msgpack with zlib, gzip and brotli round-trips to the task and back', { timeout: 30_000 }, async () => {
      const { app, echo, packed } = makeApp(url());
      const worker = new Worker(app, { concurrency: 2 });
      await worker.start();
      try {
        const big = 2 ** 40;
        for (const compression of ['zlib', 'gzip', 'brotli', undefined]) {
          const r = await echo.applyAsync(['ü', big, { nested: [1.5, null] }], {}, { serializer: 'msgpack', compression });
          assert.deepEqual(await r.get({ timeout: 10_000 }), ['ü', big, { nested: [1.5, null] }], `compression ${compression}`);
        }
        // The task's own serializer and compression apply when the call names none.
        assert.equal(await (await packed.delay(21)).get({ timeout: 10_000 }), 42);
      } finally {
        await worker.stop();
        await app.close();
      }
    });

    test('task_compression compresses every message; task_serializer msgpack is the default', { timeout: 30_000 }, async () => {
      const { app, echo } = makeApp(url(), { task_compression: 'gzip', task_serializer: 'msgpack' });
      const published = publishedHeaders(app);
      const worker = new Worker(app, { concurrency: 1 });
      await worker.start();
      try {
        assert.deepEqual(await (await echo.delay('x')).get({ timeout: 10_000 }), ['x']);
        assert.equal(published[0]?.compression, 'application/x-gzip');
      } finally {
        await worker.stop();
        await app.close();
      }
    });

    test("a signature's compression compresses its message, as applyAsync's does", { timeout: 30_000 }, async () => {
      const { app, echo } = makeApp(url());
      const published = publishedHeaders(app);
      const worker = new Worker(app, { concurrency: 1 });
      await worker.start();
      try {
        const r = (await echo.s('x').set({ compression: 'gzip' }).delay()) as AsyncResult;
        assert.deepEqual(await r.get({ timeout: 10_000 }), ['x']);
        assert.equal(published[0]?.compression, 'application/x-gzip');
      } finally {
        await worker.stop();
        await app.close();
      }
    });

    test('a content type outside accept_content is dead-lettered with the reason; the worker goes on', { timeout: 30_000 }, async () => {
      // Sending is not limited by accept_content: one app sends msgpack and refuses to run it.
      const consumer = makeApp(url(), { accept_content: ['json'] });
      const producer = consumer;
      const worker = new Worker(consumer.app, { concurrency: 1 });
      await worker.start();
      try {
        const dead = once(worker, 'dead-letter');
        await producer.echo.applyAsync([1], {}, { serializer: 'msgpack' });
        const [reason] = (await dead) as [string];
        assert.match(reason, /content type 'application\/x-msgpack' is not in accept_content/);
        // The next (json) message still runs.
        assert.deepEqual(await (await producer.echo.delay(2)).get({ timeout: 10_000 }), [2]);
        const letters = await (await consumer.app.transport()).listDeadLetters();
        assert.equal(letters.length, 1);
        assert.match(letters[0]!.reason, /not in accept_content/);
        assert.equal(worker.stats.deadLettered, 1);
      } finally {
        await worker.stop();
        await consumer.app.close();
      }
    });

    test("shadow names the task in the worker's log lines", { timeout: 30_000 }, async () => {
      const lines: string[] = [];
      const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
      const { app, echo } = makeApp(url(), {}, logger);
      const worker = new Worker(app, { concurrency: 1 });
      await worker.start();
      try {
        const r = await echo.applyAsync([1], {}, { shadow: 'reports.monthly' });
        await r.get({ timeout: 10_000 });
        const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
        assert.ok(messages.includes(`Task reports.monthly[${r.id}] received`), messages.join('\n'));
        assert.ok(messages.some((m) => m.startsWith(`Task reports.monthly[${r.id}] succeeded`)), messages.join('\n'));
      } finally {
        await worker.stop();
        await app.close();
      }
    });
  });
}
