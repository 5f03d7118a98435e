/**
 * Redis transport micro-benchmark (no app, no worker: the transport's own cost). One JSON line
 * per scenario:
 * - publish_loop: publishes awaited one by one (latency-bound: one round trip each);
 * - publish_bulk: publishes issued 1,000 at a time, each batch awaited (one pipeline per batch);
 * - drain: consume + ack of N queued messages (prefetch 1,000), until every ack resolved;
 * - publish_consume_ack: N published in batches of 1,000 while a consumer takes and acks them.
 * Run: node --import tsx bench/redis-transport.ts [--n 100000] [--url redis://127.0.0.1:6379/10]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createRedisClient } from '../src/connections/redis-connection.js';
import type { TransportMessage } from '../src/protocol/transport-message.js';
import { RedisTransport } from '../src/transports/redis/redis-transport.js';
import type { Delivery } from '../src/transports/transport.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    url: { type: 'string', default: process.env.CELERIAC_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/10' },
    prefetch: { type: 'string', default: '1000' },
  },
});
const N = Number(values.n);
const PREFETCH = Number(values.prefetch);
const LOOP_N = Math.min(N, 20_000);
const prefix = `celeriac-bench-${randomUUID()}:`;
const route = { exchange: '', routingKey: 'bench' };

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

function report(scenario: string, count: number, ms: number): void {
  console.log(JSON.stringify({ scenario, transport: 'redis', messages: count, seconds: +(ms / 1000).toFixed(3), per_s: Math.round((count / ms) * 1000) }));
}

async function publishBulk(t: RedisTransport, messages: TransportMessage[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 1000) {
    await Promise.all(messages.slice(i, i + 1000).map((m) => t.publish(m, route)));
  }
}

async function drain(t: RedisTransport, count: number, during?: () => Promise<void>): Promise<number> {
  const controller = new AbortController();
  let acked = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const start = performance.now();
  await t.consume({
    queues: ['bench'],
    prefetch: PREFETCH,
    signal: controller.signal,
    onMessage(delivery: Delivery) {
      delivery.ack().then(
        () => {
          if (++acked === count) resolveDone();
        },
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
    },
  });
  await Promise.all([done, during?.()]);
  const ms = performance.now() - start;
  controller.abort();
  return ms;
}

const messages = Array.from({ length: N }, (_, i) => taskMessage(i));
const producer = new RedisTransport({ url: values.url, globalKeyprefix: prefix });
const consumer = new RedisTransport({ url: values.url, globalKeyprefix: prefix });
await producer.start();
await consumer.start();
try {
  let t0 = performance.now();
  for (let i = 0; i < LOOP_N; i++) await producer.publish(messages[i]!, route);
  report('publish_loop', LOOP_N, performance.now() - t0);
  await producer.purge('bench');

  t0 = performance.now();
  await publishBulk(producer, messages);
  report('publish_bulk', N, performance.now() - t0);

  report('drain', N, await drain(consumer, N));
  report('publish_consume_ack', N, await drain(consumer, N, () => publishBulk(producer, messages)));
} finally {
  await producer.stop();
  await consumer.stop();
  const client = createRedisClient(values.url);
  await client.connect();
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await client.del(keys);
    cursor = next;
  } while (cursor !== '0');
  client.disconnect();
}
