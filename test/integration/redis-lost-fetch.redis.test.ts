/**
 * A fetch whose reply is lost after Redis ran it, against real Redis: the consumer's
 * `pop-and-hold.lua` call took and held messages, then the client gave up on the reply (its socket
 * timeout fired first) — what a worker under valgrind, or one whose event loop stalls, meets. The
 * messages are held for a live consumer that never saw them; they must still be delivered, once
 * each, at once, and the loss logged.
 *
 * The reply is lost deterministically: the event loop is kept busy past the socket timeout right
 * after the fetch is sent, so when it turns again, Node runs the due timer (ioredis's socket
 * timeout, which destroys the socket) before it reads the reply waiting on the socket.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { RedisTransport } from '../../src/transports/redis/redis-transport.js';
import { Collector, message, recordingLogger, tagOf } from '../conformance/transport.conformance.js';
import { deleteKeys, PrivateRedisServer, redisTestUrl, redisUnavailable, uniqueKeyPrefix } from '../support/redis-test-server.js';
import { createRedisClient } from '../../src/connections/redis-connection.js';

const unavailable = await redisUnavailable();
const CASE = { timeout: 20_000 };
const SOCKET_TIMEOUT_MS = 100;
const BRPOP_TIMEOUT_MS = 100;

/** Keeps this process's event loop busy (synchronously) for `ms`. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // the point is to not yield
  }
}

describe('redis transport: a fetch reply lost after Redis ran the fetch', { skip: unavailable }, () => {
  const prefixes: string[] = [];
  after(async () => {
    for (const prefix of prefixes) await deleteKeys(redisTestUrl, prefix);
  });

  test('the messages it held are delivered once each, promptly, and the loss is logged', CASE, async () => {
    const prefix = uniqueKeyPrefix();
    prefixes.push(prefix);
    const logger = recordingLogger();
    const transport = new RedisTransport({
      url: redisTestUrl,
      globalKeyprefix: prefix,
      socketTimeoutMs: SOCKET_TIMEOUT_MS,
      brpopTimeoutMs: BRPOP_TIMEOUT_MS,
      logger,
    });
    const total = 40;
    // After the lost fetch, every delivery is acked at once (so the window keeps moving).
    let acking = false;
    const collector = new Collector((delivery) => {
      if (acking) void delivery.ack();
    });
    await transport.start();
    try {
      await Promise.all(Array.from({ length: total }, (_, i) => transport.publish(message(`m${i}`), { exchange: '', routingKey: 'lost' })));
      // A window of 10: two fetches of 5 fill it, then the consumer waits for a free slot.
      await collector.consume(transport, ['lost'], 10);
      const first = await collector.waitFor(10);
      // Free 5 slots at once: the consumer sends one pop-and-hold.lua call for 5 messages (in the
      // microtasks that follow), Redis runs it, and the busy loop makes the client give up on
      // the reply (the blocking connection's socket timeout is BRPOP's timeout plus socket_timeout).
      for (const delivery of first.slice(0, 5)) void delivery.ack();
      await new Promise<void>((resolve) => queueMicrotask(resolve));
      await new Promise<void>((resolve) => setImmediate(resolve));
      busy(4 * (SOCKET_TIMEOUT_MS + BRPOP_TIMEOUT_MS));
      // Every message arrives (without the reclaim, the 5 held by the lost call never would: they
      // wait for the visibility timeout, an hour), each once.
      acking = true;
      for (const delivery of collector.deliveries.slice(5)) void delivery.ack();
      const all = await collector.waitFor(total);
      await Promise.all(all.map((delivery) => delivery.ack()));
      const tags = collector.tags();
      assert.equal(tags.length, total);
      assert.equal(new Set(tags).size, total, 'no message delivered twice');
      assert.deepEqual(new Set(tags), new Set(Array.from({ length: total }, (_, i) => `m${i}`)));
      assert.ok(
        logger.warnings.some((line) => /reply was lost .* took 5 message\(s\); reclaimed them/.test(line)),
        `a warning says what was lost and reclaimed: ${JSON.stringify(logger.warnings)}`,
      );
      assert.ok(all.every((delivery) => tagOf(delivery).startsWith('m')));
    } finally {
      collector.controller.abort();
      await transport.stop();
    }
    // Nothing is left held or queued.
    const client = createRedisClient(redisTestUrl, { role: 'commands' });
    try {
      assert.equal(await client.hlen(`${prefix}unacked`), 0);
      assert.equal(await client.llen(`${prefix}lost`), 0);
    } finally {
      client.disconnect();
    }
  });

  test('an idle consumer: the message BRPOP returned is not delivered twice, the others the hold took arrive', CASE, async () => {
    // A private server: the test waits until the consumer is the one client blocked in BRPOP.
    const server = await PrivateRedisServer.start();
    const logger = recordingLogger();
    // A BRPOP timeout long enough that the publish below finds the consumer blocked (its blocking
    // connection's socket timeout is that plus socket_timeout).
    const brpopTimeoutMs = 1_000;
    const transport = new RedisTransport({ url: server.url, socketTimeoutMs: SOCKET_TIMEOUT_MS, brpopTimeoutMs, logger });
    const total = 6;
    let lost = false;
    const collector = new Collector((delivery) => {
      if (!lost) {
        // The first delivery is the message BRPOP returned, handed out before the hold of it and
        // of the 5 others is sent; once that call is on its way, its reply is made to be lost.
        lost = true;
        setImmediate(() => busy(2 * (SOCKET_TIMEOUT_MS + brpopTimeoutMs)));
        return;
      }
      void delivery.ack();
    });
    const probe = createRedisClient(server.url, { role: 'commands' });
    await transport.start();
    try {
      await collector.consume(transport, ['idle'], 10);
      while (!/flags=b .*cmd=brpop/.test(String(await probe.client('LIST')))) await new Promise((resolve) => setImmediate(resolve));
      // One LPUSH of all six: BRPOP returns one, the hold that follows takes the other five.
      await Promise.all(Array.from({ length: total }, (_, i) => transport.publish(message(`i${i}`), { exchange: '', routingKey: 'idle' })));
      const all = await collector.waitFor(total);
      await Promise.all(all.map((delivery) => delivery.ack()));
      const tags = collector.tags();
      assert.equal(tags.length, total);
      assert.equal(new Set(tags).size, total, 'no message delivered twice');
      assert.ok(
        logger.warnings.some((line) => /reply was lost .* took 5 message\(s\); reclaimed them/.test(line)),
        `a warning says what was lost and reclaimed: ${JSON.stringify(logger.warnings)}`,
      );
    } finally {
      collector.controller.abort();
      await transport.stop();
      probe.disconnect();
      await server.stop();
    }
  });
});
