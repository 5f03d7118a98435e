/**
 * Transport micro-benchmark: for each embedded transport, one JSON line with
 * - publishPerSec: 20,000 publishes issued at once (one turn), until all resolved;
 * - publishSequentialPerSec: publishes awaited one by one (the latency-bound worst case);
 * - drainPerSec: consume + ack of the 20,000 already queued (prefetch 400 = 100 × Celery's
 *   default multiplier 4), until every ack resolved;
 * - publishConsumeAckPerSec: publish 20,000 while a consumer takes and acks them, until done.
 * Run: node --import tsx bench/transport.ts [messages]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TransportMessage } from '../src/protocol/transport-message.js';
import { MemoryTransport } from '../src/transports/memory/memory-transport.js';
import { SqliteTransport } from '../src/transports/sqlite/sqlite-transport.js';
import type { Delivery, Transport } from '../src/transports/transport.js';

const COUNT = Number(process.argv[2] ?? 20_000);
const PREFETCH = 400;
const SEQUENTIAL = Math.min(COUNT, 5_000);

/** About the size of a Celery task message for `add.delay(2, 2)`. */
function taskMessage(i: number): TransportMessage {
  const id = `5f8a${i.toString(16).padStart(8, '0')}-7c1e-4a4b-9a57-3c3f2f1e0d9b`;
  return {
    body: Buffer.from(JSON.stringify([[2, 2], {}, { callbacks: null, errbacks: null, chain: null, chord: null }])),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: {
      lang: 'py', task: 'proj.tasks.add', id, shadow: null, eta: null, expires: null, group: null,
      group_index: null, retries: 0, timelimit: [null, null], root_id: id, parent_id: null,
      argsrepr: '(2, 2)', kwargsrepr: '{}', origin: 'gen4242@bench', ignore_result: false,
    },
    properties: { correlation_id: id, reply_to: '1c8b4b4e-0d8d-3e5e-9f0a-2b7a6c5d4e3f', delivery_mode: 2, priority: 0 },
  };
}

const route = { exchange: '', routingKey: 'bench' };
const rate = (count: number, ms: number): number => Math.round((count / ms) * 1000);

async function publishBurst(t: Transport, messages: TransportMessage[]): Promise<number> {
  const start = performance.now();
  await Promise.all(messages.map((m) => t.publish(m, route)));
  return performance.now() - start;
}

async function drain(t: Transport, count: number, during?: () => Promise<unknown>): Promise<number> {
  const controller = new AbortController();
  const start = performance.now();
  const acks: Promise<void>[] = [];
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  await t.consume({
    queues: ['bench'],
    prefetch: PREFETCH,
    signal: controller.signal,
    onMessage(delivery: Delivery) {
      acks.push(delivery.ack());
      if (acks.length === count) resolveDone();
    },
  });
  await Promise.all([done, during?.()]);
  await Promise.all(acks);
  const ms = performance.now() - start;
  controller.abort();
  return ms;
}

async function bench(name: string, make: () => Transport, cleanup: () => void): Promise<void> {
  const messages = Array.from({ length: COUNT }, (_, i) => taskMessage(i));
  const t = make();
  await t.start();
  const publishMs = await publishBurst(t, messages);
  const drainMs = await drain(t, COUNT);
  const sequentialStart = performance.now();
  for (let i = 0; i < SEQUENTIAL; i++) await t.publish(messages[i]!, route);
  const sequentialMs = performance.now() - sequentialStart;
  await t.purge('bench');
  const roundTripMs = await drain(t, COUNT, () => publishBurst(t, messages));
  const left = await t.size('bench');
  await t.stop();
  cleanup();
  console.log(
    JSON.stringify({
      transport: name,
      messages: COUNT,
      publishPerSec: rate(COUNT, publishMs),
      publishSequentialPerSec: rate(SEQUENTIAL, sequentialMs),
      drainPerSec: rate(COUNT, drainMs),
      publishConsumeAckPerSec: rate(COUNT, roundTripMs),
      left,
      node: process.version,
    }),
  );
}

await bench('memory', () => new MemoryTransport(), () => undefined);
const dir = mkdtempSync(join(tmpdir(), 'celeriac-bench-'));
await bench(
  'sqlite',
  () => new SqliteTransport({ path: join(dir, 'bench.db') }),
  () => rmSync(dir, { recursive: true, force: true }),
);
