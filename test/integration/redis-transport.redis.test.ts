/**
 * What only the Redis transport promises, on a live Redis (`CELERIAC_TEST_REDIS_URL`): kombu's
 * exact key layout (checked against the Celery 5.2.6 captures), priority lists, the restore of
 * unacked messages (kombu's visibility timeout, celeriac's dead consumers), renewal of held
 * messages, and reconnecting to a restarted server. Each test has its own key prefix.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, afterEach, before, describe, test } from 'node:test';
import { processScope } from '../../src/internal/process-probe.js';
import { createRedisClient, type RedisClient } from '../../src/connections/redis-connection.js';
import { decodeEnvelope } from '../../src/protocol/redis-envelope.js';
import { RedisTransport, type RedisTransportOptions } from '../../src/transports/redis/redis-transport.js';
import { OWNER_HASH_MARKER } from '../../src/transports/redis/key-layout.js';
import type { Delivery } from '../../src/transports/transport.js';
import { Collector, message, recordingLogger, settle, tagOf } from '../conformance/transport.conformance.js';
import { deleteKeys, PrivateRedisServer, redisTestUrl, redisUnavailable, uniqueKeyPrefix } from '../support/redis-test-server.js';

const CASE = { timeout: 20_000 };
const SEP = '\x06\x16';

interface CapturedKey {
  type: string;
  items?: { raw: string }[];
  members?: { raw: string }[];
  fields?: Record<string, { raw: string }>;
}
interface Capture {
  broker_keys: Record<string, CapturedKey>;
  broker_keys_while_held: Record<string, CapturedKey>;
}
const capture = (name: string): Capture =>
  JSON.parse(readFileSync(new URL(`../fixtures/protocol/${name}.json`, import.meta.url), 'utf8')) as Capture;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const unavailable = await redisUnavailable();

describe('redis transport', { skip: unavailable }, () => {
  let prefix: string;
  let raw: RedisClient;
  const opened: RedisTransport[] = [];
  const open = (options: Partial<RedisTransportOptions> = {}): RedisTransport => {
    const transport = new RedisTransport({ url: redisTestUrl, globalKeyprefix: prefix, ...options });
    opened.push(transport);
    return transport;
  };
  const started = async (options: Partial<RedisTransportOptions> = {}): Promise<RedisTransport> => {
    const transport = open(options);
    await transport.start();
    return transport;
  };

  before(async () => {
    raw = createRedisClient(redisTestUrl);
    await raw.connect();
  });
  after(() => raw.disconnect());
  afterEach(async () => {
    for (const transport of opened.splice(0)) await transport.stop();
    await deleteKeys(redisTestUrl, prefix);
    prefix = uniqueKeyPrefix();
  });
  prefix = uniqueKeyPrefix();

  test('a message round-trips: body bytes, header order, properties, delivery info', CASE, async () => {
    const t = await started();
    const sent = {
      body: Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      contentType: 'application/x-msgpack',
      contentEncoding: 'binary',
      headers: { lang: 'py', task: 'proj.tasks.add', id: 'f3b2', shadow: null, retries: 0, timelimit: [null, 30.5], nested: { 'ünï ✓': [1, 'two'] } },
      properties: { correlation_id: 'f3b2', reply_to: 'r', delivery_mode: 2, expiration: '60000', priority: 3 },
    };
    const collector = new Collector();
    await collector.consume(t, ['roundtrip'], 1);
    await t.publish(sent, { exchange: '', routingKey: 'roundtrip' });
    const [got] = await collector.waitFor(1);
    assert.ok(Buffer.from(got!.message.body).equals(sent.body));
    assert.equal(got!.message.contentType, sent.contentType);
    assert.equal(JSON.stringify(got!.message.headers), JSON.stringify(sent.headers));
    assert.deepEqual(got!.message.properties, sent.properties);
    assert.deepEqual([got!.queue, got!.exchange, got!.routingKey, got!.redelivered], ['roundtrip', '', 'roundtrip', false]);
    await got!.ack();
  });

  test("publish writes kombu's envelope to kombu's list, and declareQueue kombu's binding", CASE, async () => {
    const t = await started();
    const python = capture('redis-delay').broker_keys;
    await t.declareQueue({ name: 'celery', exchange: 'celery', routingKey: 'celery' });
    const sent = decodeEnvelope(python.celery!.items![0]!.raw).message;
    await t.publish(sent, { exchange: '', routingKey: 'celery' });
    assert.deepEqual(await raw.smembers(`${prefix}_kombu.binding.celery`), python['_kombu.binding.celery']!.members!.map((m) => m.raw));
    const [stored] = await raw.lrange(`${prefix}celery`, 0, -1);
    const ours = JSON.parse(stored!);
    const theirs = JSON.parse(python.celery!.items![0]!.raw);
    assert.deepEqual(Object.keys(ours), Object.keys(theirs));
    assert.deepEqual(Object.keys(ours.properties), Object.keys(theirs.properties));
    assert.deepEqual(Object.keys(ours.headers), Object.keys(theirs.headers));
    assert.equal(ours.body, theirs.body);
    assert.deepEqual(ours.headers, theirs.headers);
    assert.deepEqual(ours.properties.delivery_info, { exchange: '', routing_key: 'celery' });
    assert.equal(ours.properties.body_encoding, 'base64');
    assert.match(ours.properties.delivery_tag, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(ours.properties.delivery_tag, theirs.properties.delivery_tag);
  });

  test("a topic queue's binding is kombu's member, regex included (redis-task-queues-config)", CASE, async () => {
    const t = await started();
    const python = capture('redis-task-queues-config').broker_keys;
    await t.declareQueue({ name: 'math', exchange: 'mathx', exchangeType: 'topic', routingKey: 'math.#' });
    assert.deepEqual(await raw.smembers(`${prefix}_kombu.binding.mathx`), python['_kombu.binding.mathx']!.members!.map((m) => m.raw));
    // What Celery publishes for its `tasks.mul` route reaches the queue.
    await t.publish(message('mul'), { exchange: 'mathx', routingKey: 'math.mul' });
    assert.equal(await t.size('math'), 1);
  });

  test("priorities go to kombu's step lists: [0, 3, 6, 9] and custom steps with sep", CASE, async () => {
    const t = await started();
    const priorities = [0, 1, 3, 5, 7, 9, undefined];
    for (const [i, priority] of priorities.entries()) {
      await t.publish(message(`p${i}`, priority === undefined ? {} : { priority }), { exchange: '', routingKey: 'celery' });
    }
    const python = capture('redis-apply-async-priority').broker_keys;
    for (const name of Object.keys(python).filter((k) => python[k]!.type === 'list')) {
      assert.equal(await raw.llen(prefix + name), python[name]!.items!.length, name);
    }
    assert.deepEqual(Object.keys(python).filter((k) => k.startsWith('celery')).sort(), ['celery', `celery${SEP}3`, `celery${SEP}6`, `celery${SEP}9`]);

    const custom = await started({ prioritySteps: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], sep: ':', globalKeyprefix: `${prefix}c:` });
    for (const priority of [0, 1, 3, 5, 7, 9]) await custom.publish(message(`c${priority}`, { priority }), { exchange: '', routingKey: 'celery' });
    await custom.declareQueue({ name: 'celery', exchange: 'celery' });
    const customPython = capture('redis-priority-steps-custom').broker_keys;
    for (const name of Object.keys(customPython)) {
      const entry = customPython[name]!;
      if (entry.type === 'list') assert.equal(await raw.llen(`${prefix}c:${name}`), entry.items!.length, name);
      else assert.deepEqual(await raw.smembers(`${prefix}c:${name}`), entry.members!.map((m) => m.raw));
    }
  });

  test('default steps: 0-2 first (FIFO), then 3-5, 6-8, 9', CASE, async () => {
    const t = await started();
    const priorities = [9, 6, 3, 0, 2, 5, 8, 1, 7, 4];
    for (const priority of priorities) await t.publish(message(`p${priority}`, { priority }), { exchange: '', routingKey: 'prio' });
    const collector = new Collector((d) => void d.ack());
    await collector.consume(t, ['prio'], 0);
    await collector.waitFor(10);
    assert.deepEqual(collector.tags(), ['p0', 'p2', 'p1', 'p3', 'p5', 'p4', 'p6', 'p8', 'p7', 'p9']);
  });

  test('global_keyprefix prefixes every key but not the text inside binding members', CASE, async () => {
    const t = await started({ globalKeyprefix: `${prefix}pfx:` });
    await t.declareQueue({ name: 'celery', exchange: 'celery', routingKey: 'celery' });
    await t.publish(message('x'), { exchange: '', routingKey: 'celery' });
    const python = capture('redis-global-keyprefix').broker_keys;
    const keys = (await raw.keys(`${prefix}*`)).map((k) => k.slice(prefix.length)).sort();
    assert.deepEqual(keys, Object.keys(python).sort());
    assert.deepEqual(await raw.smembers(`${prefix}pfx:_kombu.binding.celery`), python['pfx:_kombu.binding.celery']!.members!.map((m) => m.raw));
  });

  test("a held message is in kombu's unacked hash and index, as [envelope, exchange, routing_key]", CASE, async () => {
    const t = await started();
    const python = capture('redis-unacked');
    const pythonValue = JSON.parse(Object.values(python.broker_keys_while_held.unacked!.fields!)[0]!.raw) as unknown[];
    await t.publish(message('held', { priority: 4 }), { exchange: '', routingKey: 'celery' });
    const before = Date.now() / 1000;
    const collector = new Collector();
    await collector.consume(t, ['celery'], 1);
    const [got] = await collector.waitFor(1);
    const value = await raw.hget(`${prefix}unacked`, got!.deliveryTag);
    const record = JSON.parse(value!) as unknown[];
    assert.equal(record.length, pythonValue.length);
    assert.equal(typeof record[0], 'object');
    assert.equal((record[0] as { properties: { delivery_tag: string } }).properties.delivery_tag, got!.deliveryTag);
    // celeriac records the exact list it took the message from (here the priority-3 list).
    assert.deepEqual(record.slice(1), ['', `celery${SEP}3`]);
    const score = Number(await raw.zscore(`${prefix}unacked_index`, got!.deliveryTag));
    assert.ok(score >= before - 1 && score <= Date.now() / 1000 + 1, `score ${score}`);
    assert.equal(await raw.hget(`${prefix}celeriac.unacked_owner`, got!.deliveryTag), t.consumerId);
    // The marker field keeps the owner hash a hash table (a listpack costs O(fields) per HSET/HDEL).
    assert.equal(await raw.object('ENCODING', `${prefix}celeriac.unacked_owner`), 'hashtable');
    await got!.ack();
    assert.equal(await raw.hlen(`${prefix}unacked`), 0);
    assert.equal(await raw.zcard(`${prefix}unacked_index`), 0);
    assert.deepEqual(await raw.hkeys(`${prefix}celeriac.unacked_owner`), [OWNER_HASH_MARKER.field]);
  });

  test('an idle consumer never holds a message acked while it is handed out (early ack); one acked later is held first', CASE, async () => {
    // A server of its own: on the shared one, other tests' commands reach MONITOR at once, and a
    // line read with MONITOR's own OK trips ioredis ("Command queue state error").
    const server = await PrivateRedisServer.start();
    const t = await started({ url: server.url });
    const direct = createRedisClient(server.url);
    await direct.connect();
    // MONITOR shows every command Redis runs, those of scripts included, in the order it runs them.
    const monitor = await direct.monitor();
    const seen: string[][] = [];
    const watchers: { match: (args: string[]) => boolean; resolve: () => void }[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      seen.push(args);
      for (const w of watchers.splice(0)) if (w.match(args)) w.resolve(); else watchers.push(w);
    });
    const ran = (match: (args: string[]) => boolean): Promise<void> =>
      seen.some(match) ? Promise.resolve() : new Promise((resolve) => watchers.push({ match, resolve }));
    const blocked = (after: number): Promise<void> =>
      new Promise((resolve) => {
        const match = (args: string[]): boolean => args[0]?.toLowerCase() === 'brpop' && args[1] === `${prefix}idle` && seen.length > after;
        if (seen.slice(after).some(match)) resolve();
        else watchers.push({ match, resolve });
      });
    try {
      const acks: Promise<void>[] = [];
      const collector = new Collector((d) => {
        if (tagOf(d) === 'now') acks.push(d.ack());
      });
      await collector.consume(t, ['idle'], 4);
      await blocked(0);
      let mark = seen.length;
      await t.publish(message('now'), { exchange: '', routingKey: 'idle' });
      const [now] = await collector.waitFor(1);
      await Promise.all(acks);
      await blocked(mark);
      mark = seen.length;
      await t.publish(message('later'), { exchange: '', routingKey: 'idle' });
      const [, later] = await collector.waitFor(2);
      await ran((args) => args[0] === 'HSET' && args[1] === `${prefix}unacked` && args[2] === later!.deliveryTag);
      await later!.ack();
      await direct.echo(`done ${prefix}`);
      await ran((args) => args[0]?.toLowerCase() === 'echo' && args[1] === `done ${prefix}`);
      const touching = (tag: string): string[] => seen.filter((args) => args.includes(tag)).map((args) => args[0]!.toUpperCase());
      assert.deepEqual(touching(now!.deliveryTag), [], 'acked while handed out: never held, nothing to remove');
      const held = touching(later!.deliveryTag);
      for (const command of ['ZADD', 'HSET', 'HDEL', 'ZREM']) assert.ok(held.includes(command), `${command} of the message acked later: ${held.join(' ')}`);
      assert.equal(await direct.hlen(`${prefix}unacked`), 0);
    } finally {
      monitor.disconnect();
      await t.stop();
      direct.disconnect();
      await server.stop();
    }
  });

  test('a message a Python client published is consumed as Python sent it', CASE, async () => {
    const t = await started();
    const python = capture('redis-delay').broker_keys.celery!.items![0]!.raw;
    await raw.lpush(`${prefix}celery`, python);
    const collector = new Collector();
    await collector.consume(t, ['celery'], 1);
    const [got] = await collector.waitFor(1);
    const theirs = JSON.parse(python);
    assert.equal(got!.deliveryTag, theirs.properties.delivery_tag);
    assert.equal(JSON.stringify(got!.message.headers), JSON.stringify(theirs.headers));
    assert.equal(got!.message.body.toString(), Buffer.from(theirs.body, 'base64').toString());
    assert.equal(got!.message.properties.reply_to, theirs.properties.reply_to);
    await got!.ack();
  });

  test('a requeued message keeps its place: it is served before newer ones', CASE, async () => {
    const t = await started();
    for (const tag of ['a', 'b', 'c']) await t.publish(message(tag), { exchange: '', routingKey: 'rq' });
    let first = true;
    const collector = new Collector((d) => {
      if (first) {
        first = false;
        void d.reject({ requeue: true });
      } else {
        void d.ack();
      }
    });
    await collector.consume(t, ['rq'], 1);
    const got = await collector.waitFor(4);
    assert.deepEqual(got.map((d) => [tagOf(d), d.redelivered]), [['a', false], ['a', true], ['b', false], ['c', false]]);
  });

  test('messages that are not kombu envelopes become dead letters; the consumer goes on', CASE, async () => {
    const logger = recordingLogger();
    const t = await started({ logger });
    await raw.lpush(`${prefix}bad`, 'not json at all', '{"no": "body"}');
    await t.publish(message('fine'), { exchange: '', routingKey: 'bad' });
    const collector = new Collector((d) => void d.ack());
    await collector.consume(t, ['bad'], 0);
    const [got] = await collector.waitFor(1);
    assert.equal(tagOf(got!), 'fine');
    await settle();
    const letters = await t.listDeadLetters();
    assert.deepEqual(letters.map((l) => [l.queue, l.message.body.toString()]).sort(), [
      ['bad', 'not json at all'],
      ['bad', '{"no": "body"}'],
    ]);
    assert.ok(letters.every((l) => /not a kombu envelope/.test(l.reason)));
    assert.equal(await raw.hlen(`${prefix}unacked`), 0);
    assert.equal(logger.warnings.length, 2);
  });

  test('deferDecode: deliveries stay held as stored until open(); an unreadable one becomes the dead letter it would have been on arrival', CASE, async () => {
    const logger = recordingLogger();
    const t = await started({ logger });
    await t.publish(message('a'), { exchange: '', routingKey: 'lazy' });
    await raw.lpush(`${prefix}lazy`, '{"no": "body"}');
    await t.publish(message('b'), { exchange: '', routingKey: 'lazy' });
    const collector = new Collector();
    const { controller, onMessage } = collector;
    await t.consume({ queues: ['lazy'], prefetch: 3, signal: controller.signal, onMessage, deferDecode: true });
    const [a, bad, b] = await collector.waitFor(3);
    assert.equal(await raw.hlen(`${prefix}unacked`), 3);
    assert.equal(a!.open!(), true);
    assert.equal(tagOf(a!), 'a');
    assert.equal(bad!.open!(), false);
    assert.equal(bad!.open!(), false);
    await settle();
    const letters = await t.listDeadLetters();
    assert.deepEqual(
      letters.map((l) => [l.queue, l.message.body.toString()]),
      [['lazy', '{"no": "body"}']],
    );
    assert.match(letters[0]!.reason, /^message is not a kombu envelope: /);
    assert.equal(logger.warnings.length, 1);
    assert.throws(() => bad!.message, /not a kombu envelope/);
    // Requeued without ever being opened: kombu's restored form, as for an opened one.
    controller.abort();
    await settle();
    await b!.reject({ requeue: true });
    await a!.ack();
    assert.equal(await raw.hlen(`${prefix}unacked`), 0);
    const [back] = await raw.lrange(`${prefix}lazy`, 0, -1);
    const restored = decodeEnvelope(back!);
    assert.equal(restored.redelivered, true);
    assert.equal(restored.message.headers.id, 'b');
  });

  test("kombu's visibility restore: an old unacked record goes back, redelivered", CASE, async () => {
    const t = await started();
    // Exactly what a Python worker leaves behind (redis-unacked.json), delivered 2 hours ago.
    const python = capture('redis-unacked').broker_keys_while_held;
    const [tag, value] = Object.entries(python.unacked!.fields!).map(([k, v]) => [k, v.raw] as const)[0]!;
    await raw.hset(`${prefix}unacked`, tag, value);
    await raw.zadd(`${prefix}unacked_index`, Date.now() / 1000 - 7_200, tag);
    const outcome = await t.restoreUnacked();
    assert.deepEqual(outcome, { ran: true, restored: 1, deadLettered: 0 });
    assert.equal(await raw.hlen(`${prefix}unacked`), 0);
    assert.equal(await raw.zcard(`${prefix}unacked_index`), 0);
    const [restored] = await raw.lrange(`${prefix}celery`, 0, -1);
    const envelope = JSON.parse(restored!);
    const original = (JSON.parse(value) as [Record<string, { delivery_info: object }>])[0];
    assert.equal(envelope.headers.redelivered, true);
    assert.deepEqual(envelope.properties.delivery_info, { ...original.properties!.delivery_info, redelivered: true });
    assert.equal(envelope.properties.delivery_tag, tag);
    const collector = new Collector((d) => void d.ack());
    await collector.consume(t, ['celery'], 1);
    const [got] = await collector.waitFor(1);
    assert.equal(got!.redelivered, true);
    assert.equal(got!.deliveryTag, tag);
    assert.equal(got!.message.headers.redelivered, undefined);
  });

  test('restore respects the mutex held by another restorer (kombu unacked_mutex)', CASE, async () => {
    const t = await started();
    await raw.set(`${prefix}unacked_mutex`, 'a-python-worker', 'PX', 60_000);
    assert.deepEqual(await t.restoreUnacked(), { ran: false, restored: 0, deadLettered: 0 });
    assert.equal(await raw.get(`${prefix}unacked_mutex`), 'a-python-worker');
    await raw.del(`${prefix}unacked_mutex`);
    assert.equal((await t.restoreUnacked()).ran, true);
    assert.equal(await raw.exists(`${prefix}unacked_mutex`), 0);
  });

  test('renewal: a held message outlives a 1 s visibility timeout and is never restored', CASE, async () => {
    const holder = await started({ visibilityTimeoutMs: 1_000 });
    const restorer = await started({ visibilityTimeoutMs: 1_000 });
    await holder.publish(message('eta'), { exchange: '', routingKey: 'renew' });
    const held = new Collector();
    await held.consume(holder, ['renew'], 1);
    const [delivery] = await held.waitFor(1);
    // Another consumer of the queue runs its restore passes (every 500 ms) meanwhile.
    const other = new Collector();
    await other.consume(restorer, ['renew'], 1);
    await sleep(3_000);
    assert.deepEqual(await restorer.restoreUnacked(), { ran: true, restored: 0, deadLettered: 0 });
    assert.equal(other.deliveries.length, 0);
    const score = Number(await raw.zscore(`${prefix}unacked_index`, delivery!.deliveryTag));
    assert.ok(Date.now() / 1000 - score < 1, 'the score is kept fresh');
    await delivery!.ack();
    assert.equal(await restorer.size('renew'), 0);
    assert.equal(other.deliveries.length, 0);
  });

  test("a dead celeriac consumer's messages come back at once; a live one's and Python's stay", CASE, async () => {
    const now = Date.now() / 1000;
    const forge = async (tag: string, queue: string, owner: string | undefined): Promise<void> => {
      const envelope = JSON.stringify({
        body: Buffer.from('[[], {}, {}]').toString('base64'),
        'content-encoding': 'utf-8',
        'content-type': 'application/json',
        headers: { lang: 'py', task: 'tests.add', id: tag },
        properties: { correlation_id: tag, delivery_info: { exchange: '', routing_key: queue }, priority: 0, body_encoding: 'base64', delivery_tag: tag },
      });
      await raw.hset(`${prefix}unacked`, tag, JSON.stringify([JSON.parse(envelope), '', queue]));
      await raw.zadd(`${prefix}unacked_index`, now, tag);
      if (owner !== undefined) await raw.hset(`${prefix}celeriac.unacked_owner`, tag, owner);
    };
    // A consumer that died a moment ago (registered, liveness key gone), a live one, a Python worker.
    await raw.hset(`${prefix}celeriac.consumers`, 'dead-one', String(now), 'live-one', String(now));
    await raw.set(`${prefix}celeriac.consumer.live-one`, String(now), 'PX', 60_000);
    await forge('of-the-dead', 'owned', 'dead-one');
    await forge('of-the-living', 'owned', 'live-one');
    await forge('of-python', 'owned', undefined);

    const t = await started(); // visibility timeout 1 hour: only the dead-consumer rule applies
    const collector = new Collector();
    await collector.consume(t, ['owned'], 0);
    const [got] = await collector.waitFor(1);
    assert.equal(tagOf(got!), 'of-the-dead');
    assert.equal(got!.redelivered, true);
    assert.equal(await raw.hget(`${prefix}celeriac.unacked_owner`, 'of-the-dead'), t.consumerId);
    await got!.ack();
    assert.deepEqual((await raw.hkeys(`${prefix}unacked`)).sort(), ['of-python', 'of-the-living']);
    assert.deepEqual((await raw.hkeys(`${prefix}celeriac.consumers`)).sort(), ['live-one', t.consumerId].sort());
    await settle();
    assert.equal(collector.deliveries.length, 1);
  });

  test("a consumer whose process is gone from this host's pid scope is dead at once, liveness key or not", {
    ...CASE,
    skip: processScope() === null ? 'pids cannot be probed reliably here' : false,
  }, async () => {
    const scope = processScope()!;
    const now = Date.now() / 1000;
    const gonePid = spawnSync(process.execPath, ['-e', '']).pid; // exited: no such process now
    const consumers: Array<[string, string]> = [
      ['gone-here', `${scope} ${gonePid}`],
      ['gone-elsewhere', `another-boot/pid:[1] ${gonePid}`], // same pid, another scope: cannot tell
      ['alive-here', `${scope} ${process.pid}`],
    ];
    for (const [id, owner] of consumers) {
      await raw.hset(`${prefix}celeriac.consumers`, id, String(now));
      await raw.hset(`${prefix}celeriac.consumer_processes`, id, owner);
      await raw.set(`${prefix}celeriac.consumer.${id}`, String(now), 'PX', 600_000);
      await raw.hset(`${prefix}unacked`, `of-${id}`, JSON.stringify([{ body: '', headers: {}, properties: {} }, '', 'gone']));
      await raw.zadd(`${prefix}unacked_index`, now, `of-${id}`);
      await raw.hset(`${prefix}celeriac.unacked_owner`, `of-${id}`, id);
    }
    const t = await started(); // visibility timeout 1 hour, liveness keys for 10 minutes
    assert.deepEqual(await t.restoreUnacked(), { ran: true, restored: 1, deadLettered: 0 });
    assert.deepEqual((await raw.hkeys(`${prefix}unacked`)).sort(), ['of-alive-here', 'of-gone-elsewhere']);
    assert.equal(await raw.llen(`${prefix}gone`), 1);
    assert.deepEqual((await raw.hkeys(`${prefix}celeriac.consumer_processes`)).sort(), ['alive-here', 'gone-elsewhere']);
    assert.equal(await raw.exists(`${prefix}celeriac.consumer.gone-here`), 0);
  });

  test("unacked_mutex held by a dead celeriac consumer is freed; a live one's and Python's are respected", CASE, async () => {
    const now = Date.now() / 1000;
    await raw.hset(`${prefix}celeriac.consumers`, 'died-in-a-pass', String(now), 'busy', String(now));
    await raw.set(`${prefix}celeriac.consumer.busy`, String(now), 'PX', 60_000);
    const t = await started();
    await raw.set(`${prefix}unacked_mutex`, 'celeriac:busy:token', 'PX', 300_000);
    assert.equal((await t.restoreUnacked()).ran, false, 'a live holder keeps the lock');
    await raw.set(`${prefix}unacked_mutex`, 'a-python-uuid', 'PX', 300_000);
    assert.equal((await t.restoreUnacked()).ran, false, "kombu's lock is kept until it expires");
    await raw.set(`${prefix}unacked_mutex`, 'celeriac:died-in-a-pass:token', 'PX', 300_000);
    assert.equal((await t.restoreUnacked()).ran, true, "a dead holder's lock is freed");
    assert.equal(await raw.exists(`${prefix}unacked_mutex`), 0, 'and released after the pass');
  });

  test("a dead consumer's message that a Python worker restored and took meanwhile is left alone", CASE, async () => {
    const long = Date.now() / 1000 - 3_600;
    await raw.hset(`${prefix}celeriac.consumers`, 'died-long-ago', String(long));
    // The owner entry is stale: Python restored the message and a Python worker holds it now.
    await raw.hset(`${prefix}unacked`, 'retaken', JSON.stringify([{ body: '', headers: {}, properties: {} }, '', 'q']));
    await raw.zadd(`${prefix}unacked_index`, Date.now() / 1000, 'retaken');
    await raw.hset(`${prefix}celeriac.unacked_owner`, 'retaken', 'died-long-ago');
    const t = await started();
    assert.deepEqual(await t.restoreUnacked(), { ran: true, restored: 0, deadLettered: 0 });
    assert.equal(await raw.hexists(`${prefix}unacked`, 'retaken'), 1);
    assert.equal(await raw.hexists(`${prefix}celeriac.consumers`, 'died-long-ago'), 0);
  });

  test("fanout: PUBLISH on kombu's channel names, PSUBSCRIBE by binding key", CASE, async () => {
    const t = await started();
    const db = t.target.db;
    // Messages on one connection arrive in order: once 'ping' (published last) is in, so is all.
    let spyDone!: () => void;
    let pingDone!: () => void;
    const spyComplete = new Promise<void>((resolve) => (spyDone = resolve));
    const pingArrived = new Promise<void>((resolve) => (pingDone = resolve));
    const seen: string[] = [];
    const spy = createRedisClient(redisTestUrl, { role: 'subscriber' });
    await spy.connect();
    spy.on('pmessage', (_pattern: string, channel: string) => {
      seen.push(channel.slice(prefix.length));
      if (seen.length === 3) spyDone();
    });
    await spy.psubscribe(`${prefix}/*`);
    const workerEvents: string[] = [];
    const everything: string[] = [];
    const controller = new AbortController();
    await t.subscribeFanout({
      exchange: 'celeryev',
      bindingKeys: ['worker.#'],
      signal: controller.signal,
      onMessage: (d) => workerEvents.push(`${d.exchange} ${d.routingKey} ${String(d.message.headers.id)}`),
    });
    await t.subscribeFanout({
      exchange: 'celery.pidbox',
      signal: controller.signal,
      onMessage: (d) => {
        everything.push(String(d.message.headers.id));
        pingDone();
      },
    });
    assert.equal(await t.publishFanout('celeryev', 'worker.heartbeat', message('hb')), 2);
    assert.equal(await t.publishFanout('celeryev', 'task.succeeded', message('ts')), 1);
    assert.equal(await t.publishFanout('celery.pidbox', '', message('ping')), 2);
    await Promise.all([spyComplete, pingArrived]);
    assert.deepEqual(workerEvents, ['celeryev worker.heartbeat hb']);
    assert.deepEqual(everything, ['ping']);
    assert.deepEqual(seen, [`/${db}.celeryev/worker.heartbeat`, `/${db}.celeryev/task.succeeded`, `/${db}.celery.pidbox`]);
    controller.abort();
    spy.disconnect();
  });

  test('stop() gives held messages back to the front of their lists, redelivered', CASE, async () => {
    const t = await started();
    for (const tag of ['s0', 's1', 's2']) await t.publish(message(tag, { priority: 7 }), { exchange: '', routingKey: 'warm' });
    const collector = new Collector();
    await collector.consume(t, ['warm'], 2);
    await collector.waitFor(2);
    await t.stop();
    const list = (await raw.lrange(`${prefix}warm${SEP}6`, 0, -1)).map(
      (text) => JSON.parse(text) as { headers: { id: string; redelivered?: boolean } },
    );
    // BRPOP takes from the right: s0, then s1 (both redelivered), then s2.
    assert.deepEqual(list.map((e) => [e.headers.id, e.headers.redelivered ?? false]).reverse(), [['s0', true], ['s1', true], ['s2', false]]);
    assert.equal(await raw.hlen(`${prefix}unacked`), 0);
    assert.equal(await raw.hlen(`${prefix}celeriac.consumers`), 0);
  });
});

describe('redis transport: reconnect', { skip: unavailable }, () => {
  let server: PrivateRedisServer;
  before(async () => {
    server = await PrivateRedisServer.start();
  });
  after(() => server.stop());

  test('a consumer survives a Redis restart; publishing while down fails at once, acking waits', CASE, async () => {
    const logger = recordingLogger();
    const consumer = new RedisTransport({ url: server.url, logger });
    await consumer.start();
    const received: Delivery[] = [];
    let onReceive!: () => void;
    const collector = new Collector((d) => {
      received.push(d);
      if (tagOf(d) !== 'held') void d.ack();
      onReceive();
    });
    let arrived = new Promise<void>((resolve) => (onReceive = () => received.length === 2 && resolve()));
    await collector.consume(consumer, ['rc'], 4);
    await consumer.publish(message('before'), { exchange: '', routingKey: 'rc' });
    await consumer.publish(message('held'), { exchange: '', routingKey: 'rc' });
    await arrived;

    await server.stop();
    const t0 = performance.now();
    await assert.rejects(consumer.publish(message('while-down'), { exchange: '', routingKey: 'rc' }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'TRANSPORT_ERROR');
      return true;
    });
    assert.ok(performance.now() - t0 < 1_000, 'publish failed promptly');
    // An ack while Redis is away waits for the reconnect instead of failing.
    const ack = received[1]!.ack();

    await server.start();
    arrived = new Promise<void>((resolve) => (onReceive = resolve));
    const producer = new RedisTransport({ url: server.url });
    await producer.start();
    await producer.publish(message('after'), { exchange: '', routingKey: 'rc' });
    await arrived;
    await ack;
    assert.deepEqual(received.map(tagOf), ['before', 'held', 'after']);
    await producer.stop();
    collector.controller.abort();
    await consumer.stop();
    assert.ok(logger.warnings.some((w) => /lost the connection/.test(w)));
    assert.ok(logger.warnings.some((w) => /reconnected/.test(w)));
  });

  /** A consumer holding two messages (one acked while Redis is away) and a fanout subscription. */
  async function busyConsumer(options: Partial<RedisTransportOptions> = {}) {
    const logger = recordingLogger();
    const consumer = new RedisTransport({ url: server.url, logger, ...options });
    await consumer.start();
    let onReceive!: () => void;
    const arrived = new Promise<void>((resolve) => (onReceive = resolve));
    const received: Delivery[] = [];
    const collector = new Collector((d) => {
      received.push(d);
      if (received.length === 2) onReceive();
    });
    await collector.consume(consumer, ['down'], 4);
    await consumer.publish(message('one'), { exchange: '', routingKey: 'down' });
    await consumer.publish(message('two'), { exchange: '', routingKey: 'down' });
    await arrived;
    // Fanout subscribers have their own connection: it must not hold stop() up either.
    await consumer.subscribeFanout({ exchange: 'celeryev', signal: collector.controller.signal, onMessage: () => {} });
    return { consumer, logger, received };
  }

  const isTransportError = (error: Error & { code?: string }): boolean => error.code === 'TRANSPORT_ERROR';

  test('stop() while Redis is down returns at once; a waiting ack fails', CASE, async () => {
    const { consumer, logger, received } = await busyConsumer();
    await server.stop();
    const ack = assert.rejects(received[0]!.ack(), isTransportError); // would wait for a reconnect
    const t0 = performance.now();
    await consumer.stop();
    const took = performance.now() - t0;
    assert.ok(took < 1_000, `stop took ${Math.round(took)} ms`);
    await ack;
    assert.ok(logger.warnings.some((w) => /could not give back 1 held message/.test(w)), logger.warnings.join('\n'));
    await server.start();
  });

  test('stop() while Redis hangs returns after stopTimeoutMs, not after the socket timeout', CASE, async () => {
    const { consumer, logger, received } = await busyConsumer({ stopTimeoutMs: 300 });
    server.pause();
    try {
      const ack = assert.rejects(received[0]!.ack(), isTransportError);
      const t0 = performance.now();
      await consumer.stop();
      const took = performance.now() - t0;
      assert.ok(took < 5_000, `stop took ${Math.round(took)} ms (socket timeout 10,000)`);
      await ack;
      assert.ok(logger.warnings.some((w) => /did not answer within 300 ms at stop/.test(w)), logger.warnings.join('\n'));
    } finally {
      server.resume();
    }
  });
});
