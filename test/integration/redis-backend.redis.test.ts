/**
 * What only the Redis result backend promises, on a live Redis (`CELERIAC_TEST_REDIS_URL`):
 * Celery's keys, value layout and TTL (checked against the Celery 5.2.6 `backend-*` captures),
 * PUBLISH on the key's channel, the SUCCESS guard under racing writers, pub/sub wake-ups (never
 * polling), batched subscriptions, and waiters that survive a Redis restart. Each test has its
 * own key prefix or unique task ids.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisBackend, type RedisBackendOptions } from '../../src/backends/redis/redis-backend.js';
import { createRedisClient, type RedisClient } from '../../src/connections/redis-connection.js';
import { CeleriacError, DecodeError, ResultTimeoutError } from '../../src/errors.js';
import { serializeError } from '../../src/protocol/exception-codec.js';
import { decodeResultMeta, encodeResultMeta } from '../../src/protocol/result-codec.js';
import { meta } from '../conformance/backend.conformance.js';
import {
  deleteKeys,
  PrivateRedisServer,
  redisTestUrl,
  redisUnavailable,
  uniqueKeyPrefix,
  untilSubscribers,
} from '../support/redis-test-server.js';

const CASE = { timeout: 30_000 };

interface CapturedCommand {
  args: string[];
}
/** Every `SETEX celery-task-meta-*` a Celery 5.2.6 worker sent, with the PUBLISH after it. */
function capturedWrites(): { where: string; setex: string[]; publish: string[] }[] {
  const dir = new URL('../fixtures/protocol/', import.meta.url);
  const found: { where: string; setex: string[]; publish: string[] }[] = [];
  for (const file of readdirSync(dir).filter((f) => f.startsWith('backend-') && f.endsWith('.json')).sort()) {
    const capture = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { worker_commands?: CapturedCommand[] };
    const commands = capture.worker_commands ?? [];
    commands.forEach(({ args }, i) => {
      const next = commands[i + 1]?.args;
      if (args[0] !== 'SETEX' || !args[1]?.startsWith('celery-task-meta-') || next?.[0] !== 'PUBLISH') return;
      found.push({ where: `${file} worker_commands[${i}]`, setex: args, publish: next });
    });
  }
  return found;
}

/**
 * A MONITOR line as the SETEX it is equivalent to: `SET key value NX GET EX s` (how the store
 * script writes on Redis 7) stores what `SETEX key s value` stores. Other commands unchanged.
 */
function asSetex(args: string[]): string[] {
  const [name, key, value, ...options] = args;
  if (name?.toLowerCase() !== 'set' || key === undefined || value === undefined) return args;
  const upper = options.map((o) => o.toUpperCase());
  const ex = upper.indexOf('EX');
  const rest = upper.filter((o, i) => i !== ex && i !== ex + 1);
  if (ex === -1 || options[ex + 1] === undefined || rest.some((o) => o !== 'NX' && o !== 'GET')) return args;
  return ['setex', key, options[ex + 1]!, value];
}

/** Records what Redis runs (MONITOR), including the commands run inside scripts. */
class CommandLog {
  readonly commands: string[][] = [];
  private readonly barriers = new Map<string, () => void>();

  private constructor(
    private readonly client: RedisClient,
    private readonly monitor: RedisClient,
  ) {
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[0]?.toLowerCase() === 'echo' && args[1] !== undefined && this.barriers.has(args[1])) {
        this.barriers.get(args[1])?.();
        return;
      }
      this.commands.push(args);
    });
  }

  static async open(url: string): Promise<CommandLog> {
    const client = createRedisClient(url);
    await client.connect();
    // A second connection in MONITOR mode (what client.monitor() makes), closed by close().
    // ioredis marks it monitoring one microtask after MONITOR's OK, so a line of another
    // client's command arriving with that OK is "Command queue state error": a line from
    // before the log starts, harmless here (client.monitor() would reject with it).
    const monitor = client.duplicate({ monitor: true, lazyConnect: false });
    monitor.on('error', (error: Error) => {
      if (!error.message.startsWith('Command queue state error')) throw error;
    });
    await new Promise<void>((resolve) => monitor.once('monitoring', () => resolve()));
    return new CommandLog(client, monitor);
  }

  /** Resolves once every command Redis ran before this call has been recorded. */
  async sync(client: RedisClient): Promise<void> {
    const marker = `celeriac-barrier-${randomUUID()}`;
    const seen = new Promise<void>((resolve) => this.barriers.set(marker, resolve));
    await client.echo(marker);
    await seen;
    this.barriers.delete(marker);
  }

  /** Commands named `name` (case-insensitive) whose first argument starts with `prefix`. */
  named(name: string, prefix: string): string[][] {
    return this.commands.filter((args) => args[0]?.toLowerCase() === name.toLowerCase() && args[1]?.startsWith(prefix));
  }

  close(): void {
    this.monitor.disconnect();
    this.client.disconnect();
  }
}

const unavailable = await redisUnavailable();

describe('redis result backend', { skip: unavailable }, () => {
  let raw: RedisClient;
  let log: CommandLog;
  const prefixes: string[] = [];

  before(async () => {
    raw = createRedisClient(redisTestUrl);
    await raw.connect();
    log = await CommandLog.open(redisTestUrl);
  });
  after(async () => {
    log.close();
    for (const prefix of prefixes) await deleteKeys(redisTestUrl, prefix);
    raw.disconnect();
  });

  async function open(t: TestContext, options: Partial<RedisBackendOptions> = {}): Promise<RedisBackend> {
    const backend = new RedisBackend({ url: redisTestUrl, ...options });
    await backend.start();
    t.after(() => backend.stop());
    return backend;
  }
  function prefixed(): string {
    const prefix = uniqueKeyPrefix();
    prefixes.push(prefix);
    return prefix;
  }

  test("writes Celery's key, value layout, TTL and SETEX + PUBLISH (backend-* captures)", CASE, async (t) => {
    const backend = await open(t);
    const writes = capturedWrites();
    assert.ok(writes.length >= 8, `found ${writes.length} captured writes`);
    const ids = writes.map(() => randomUUID());
    // Each id is written once, so the guard cannot hide a capture that stores a second state.
    await Promise.all(writes.map((w, i) => backend.storeResult(decodeResultMeta(ids[i]!, w.setex[3]!))));
    await log.sync(raw);
    for (const [i, w] of writes.entries()) {
      const id = ids[i]!;
      const key = `celery-task-meta-${id}`;
      const celery = JSON.parse(w.setex[3]!) as Record<string, unknown>;
      const expected = { ...celery, task_id: id };
      const stored = await raw.get(key);
      assert.ok(stored !== null, `${w.where}: nothing stored under ${key}`);
      const ours = JSON.parse(stored) as Record<string, unknown>;
      assert.deepEqual(Object.keys(ours), Object.keys(expected), `${w.where}: key order`);
      assert.deepEqual(ours, expected, w.where);
      const ttl = await raw.ttl(key);
      assert.ok(ttl <= Number(w.setex[2]) && ttl >= Number(w.setex[2]) - 1, `${w.where}: TTL ${ttl}, Celery ${w.setex[2]}`);
      // The commands Redis ran for this key (inside the script) are Celery's two, in its order:
      // a write with the TTL, then PUBLISH. On Redis 7 the write is `SET key value NX GET EX s`,
      // which stores exactly what `SETEX key s value` stores; it is compared as that SETEX.
      // (MONITOR prints values escaped, so the value is compared through GET above and here only
      // between the two commands.)
      const ran = log.commands
        .filter((args) => args[1] === key && ['setex', 'set', 'publish'].includes(args[0]!.toLowerCase()))
        .map(asSetex);
      assert.deepEqual(
        ran.map((args) => [args[0]!.toUpperCase(), ...args.slice(1, -1)]),
        [
          ['SETEX', key, w.setex[2]],
          ['PUBLISH', key],
        ],
        w.where,
      );
      assert.equal(ran[0]!.at(-1), ran[1]!.at(-1), `${w.where}: the value published is the value stored`);
    }
  });

  test('a value Celery wrote reads back as stored (getMeta of the captured bytes)', CASE, async (t) => {
    const backend = await open(t);
    for (const w of capturedWrites()) {
      const id = randomUUID();
      await raw.setex(`celery-task-meta-${id}`, 60, w.setex[3]!);
      assert.deepEqual(await backend.getMeta(id), decodeResultMeta(id, w.setex[3]!), w.where);
    }
  });

  test("every write is published on its key's channel", CASE, async (t) => {
    const prefix = prefixed();
    const backend = await open(t, { globalKeyprefix: prefix });
    const id = randomUUID();
    const key = `${prefix}celery-task-meta-${id}`;
    assert.equal(backend.keys.task(id), key);
    const listener = createRedisClient(redisTestUrl, { role: 'subscriber' });
    t.after(() => listener.disconnect());
    const received: [string, string][] = [];
    const gotTwo = new Promise<void>((resolve) =>
      listener.on('message', (channel: string, message: string) => {
        received.push([channel, message]);
        if (received.length === 2) resolve();
      }),
    );
    await listener.subscribe(key);
    await backend.storeResult(meta(id, 'STARTED', { pid: 1, hostname: 'w1@host' }));
    await backend.storeResult(meta(id, 'SUCCESS', 7));
    await gotTwo;
    assert.deepEqual(received, [
      [key, encodeResultMeta(meta(id, 'STARTED', { pid: 1, hostname: 'w1@host' }))],
      [key, encodeResultMeta(meta(id, 'SUCCESS', 7))],
    ]);
    assert.equal(await raw.get(key), encodeResultMeta(meta(id, 'SUCCESS', 7)));
  });

  test('TTL is result_expires in whole seconds; null or 0 stores with SET (no TTL)', CASE, async (t) => {
    const cases: [number | null | undefined, number][] = [
      [undefined, 86_400],
      [3_600_000, 3_600],
      [1_500, 1],
      [null, -1],
      [0, -1],
    ];
    for (const [resultExpiresMs, ttl] of cases) {
      const prefix = prefixed();
      const backend = await open(t, { resultExpiresMs, globalKeyprefix: prefix });
      const id = randomUUID();
      await backend.storeResult(meta(id, 'SUCCESS', 1));
      assert.equal(await raw.ttl(backend.keys.task(id)), ttl, `resultExpiresMs ${resultExpiresMs}`);
    }
  });

  test('global_keyprefix is applied as Celery 5.3+ does', CASE, async (t) => {
    const cases: [string, string][] = [
      ['tenant', 'tenant_'],
      ['tenant:', 'tenant:'],
      ['tenant-', 'tenant-'],
    ];
    for (const [given, expected] of cases) {
      const prefix = prefixed() + given;
      const backend = await open(t, { globalKeyprefix: prefix });
      const id = randomUUID();
      await backend.storeResult(meta(id, 'SUCCESS', 1));
      const name = `${prefix.slice(0, -given.length)}${expected}celery-task-meta-${id}`;
      assert.equal(await raw.exists(name), 1, name);
      assert.equal((await backend.waitForReady(id, { timeoutMs: 5_000 })).result, 1);
    }
  });

  test('forget deletes the key', CASE, async (t) => {
    const backend = await open(t);
    const id = randomUUID();
    await backend.storeResult(meta(id, 'SUCCESS', 1));
    assert.equal(await raw.exists(`celery-task-meta-${id}`), 1);
    await backend.forget(id);
    assert.equal(await raw.exists(`celery-task-meta-${id}`), 0);
  });

  test('the SUCCESS guard holds when two workers race (one write per script call)', CASE, async (t) => {
    const prefix = prefixed();
    const a = await open(t, { globalKeyprefix: prefix, maxBatchSize: 1 });
    const b = await open(t, { globalKeyprefix: prefix, maxBatchSize: 1 });
    const listener = createRedisClient(redisTestUrl, { role: 'subscriber' });
    t.after(() => listener.disconnect());
    const successes = new Map<string, string[]>();
    listener.on('pmessage', (_pattern: string, channel: string, message: string) => {
      if ((JSON.parse(message) as { status: string }).status !== 'SUCCESS') return;
      successes.set(channel, [...(successes.get(channel) ?? []), message]);
    });
    await listener.psubscribe(`${prefix}*`);
    const ids = Array.from({ length: 400 }, () => randomUUID());
    // Interleaved on the wire: a's and b's single-result calls alternate at Redis.
    await Promise.all(
      ids.flatMap((id, i) => [
        a.storeResult(meta(id, 'SUCCESS', 'from a')),
        i % 2 === 0
          ? b.storeResult(meta(id, 'SUCCESS', 'from b'))
          : b.storeResult(meta(id, 'FAILURE', serializeError(new Error('duplicate delivery')))),
      ]),
    );
    // Everything published before this PUBLISH has reached the listener once it arrives.
    const done = new Promise<void>((resolve) => listener.on('pmessage', (_p: string, channel: string) => channel === `${prefix}done` && resolve()));
    await raw.publish(`${prefix}done`, '{"status":"DONE"}');
    await done;
    for (const id of ids) {
      const key = a.keys.task(id);
      const published = successes.get(key) ?? [];
      assert.equal(published.length, 1, `${id}: ${published.length} SUCCESS writes`);
      assert.equal(await raw.get(key), published[0]);
    }
  });

  test('the guard reads any stored layout: status first or not, with or without spaces', CASE, async (t) => {
    const backend = await open(t);
    const stored: [string, boolean][] = [
      ['{"status": "SUCCESS", "result": 1}', true],
      ['{"result": {"status": "FAILURE"}, "status": "SUCCESS"}', true],
      ['{ "status" : "SUCCESS" }', true],
      ['{"status": "progress", "result": {"status": "SUCCESS"}}', false],
      ['{"result": {"status": "SUCCESS"}, "status": "STARTED"}', false],
      ['not json', false],
    ];
    for (const [value, kept] of stored) {
      const id = randomUUID();
      await raw.set(`celery-task-meta-${id}`, value, 'EX', 60);
      await backend.storeResult(meta(id, 'FAILURE', serializeError(new Error('late'))));
      const now = await raw.get(`celery-task-meta-${id}`);
      assert.equal(now === value, kept, `${value}: ${kept ? 'kept' : 'replaced'}`);
    }
  });

  test('a waiter is woken by a write from another connection, and by one made before it waited', CASE, async (t) => {
    const waiterBackend = await open(t);
    const writer = await open(t);
    const later = randomUUID();
    const waiting = waiterBackend.waitForReady(later, { timeoutMs: 10_000 });
    await untilSubscribers(raw, `celery-task-meta-${later}`, 1);
    await writer.storeResult(meta(later, 'SUCCESS', 'later'));
    assert.equal((await waiting).result, 'later');

    const earlier = randomUUID();
    await writer.storeResult(meta(earlier, 'FAILURE', serializeError(new RangeError('earlier'))));
    assert.equal((await waiterBackend.waitForReady(earlier, { timeoutMs: 10_000 })).status, 'FAILURE');

    // Stored without a PUBLISH (as by a client that only SETs): the read after subscribing finds it.
    const silent = randomUUID();
    await raw.set(`celery-task-meta-${silent}`, encodeResultMeta(meta(silent, 'SUCCESS', 'silent')), 'EX', 60);
    assert.equal((await waiterBackend.waitForReady(silent, { timeoutMs: 10_000 })).result, 'silent');
  });

  test('waiting reads the key once and then only listens (no polling); the channel is released after', CASE, async (t) => {
    const backend = await open(t);
    const id = randomUUID();
    const key = `celery-task-meta-${id}`;
    const waiting = backend.waitForReady(id, { timeoutMs: 10_000 });
    await untilSubscribers(raw, key, 1);
    // A poller would read the key again in this time; a subscriber does not.
    await sleep(300);
    await raw.publish(key, encodeResultMeta(meta(id, 'SUCCESS', 'published only')));
    assert.equal((await waiting).result, 'published only');
    await untilSubscribers(raw, key, 0);
    await log.sync(raw);
    const reads = log.commands.filter((args) => ['get', 'mget'].includes(args[0]!.toLowerCase()) && args.includes(key));
    assert.equal(reads.length, 1, `reads of the key: ${JSON.stringify(reads)}`);
  });

  test('a timed-out or aborted waiter releases its channel; an undecodable value fails the waiter', CASE, async (t) => {
    const backend = await open(t);
    const timedOut = randomUUID();
    await assert.rejects(backend.waitForReady(timedOut, { timeoutMs: 50 }), ResultTimeoutError);
    await untilSubscribers(raw, `celery-task-meta-${timedOut}`, 0);

    const aborted = randomUUID();
    const controller = new AbortController();
    const waiting = backend.waitForReady(aborted, { signal: controller.signal });
    await untilSubscribers(raw, `celery-task-meta-${aborted}`, 1);
    controller.abort(new Error('gave up'));
    await assert.rejects(waiting, /gave up/);
    await untilSubscribers(raw, `celery-task-meta-${aborted}`, 0);

    const garbled = randomUUID();
    const failing = assert.rejects(backend.waitForReady(garbled, { timeoutMs: 10_000 }), (error) => error instanceof DecodeError);
    await untilSubscribers(raw, `celery-task-meta-${garbled}`, 1);
    await raw.publish(`celery-task-meta-${garbled}`, 'not json');
    await failing;
    await untilSubscribers(raw, `celery-task-meta-${garbled}`, 0);
  });

  test('a result expected at send time is waited for with no command; one stored before the subscription with one read', CASE, async (t) => {
    const prefix = prefixed();
    const backend = await open(t, { globalKeyprefix: prefix });
    const writer = await open(t, { globalKeyprefix: prefix });
    // Published after the subscription: kept until someone waits.
    const published = randomUUID();
    backend.expectResult(published);
    await untilSubscribers(raw, backend.keys.task(published), 1);
    await writer.storeResult(meta(published, 'SUCCESS', 'published'));
    // Stored before the subscription, without a PUBLISH (the race a subscription at send time
    // can lose): the safety read after subscribing finds it once someone waits.
    const stored = randomUUID();
    await raw.set(backend.keys.task(stored), encodeResultMeta(meta(stored, 'SUCCESS', 'stored')), 'EX', 60);
    backend.expectResult(stored);
    await untilSubscribers(raw, backend.keys.task(stored), 1);
    await log.sync(raw);
    const before = log.commands.length;
    // Expected and waited for in the same turn.
    const sameTurn = randomUUID();
    backend.expectResult(sameTurn);
    const waitingSameTurn = backend.waitForReady(sameTurn, { timeoutMs: 10_000 });
    await writer.storeResult(meta(sameTurn, 'SUCCESS', 'same turn'));

    assert.equal((await backend.waitForReady(published, { timeoutMs: 10_000 })).result, 'published');
    assert.equal((await backend.waitForReady(stored, { timeoutMs: 10_000 })).result, 'stored');
    assert.equal((await waitingSameTurn).result, 'same turn');
    for (const id of [published, stored, sameTurn]) await untilSubscribers(raw, backend.keys.task(id), 0);
    await log.sync(raw);
    const commandsFor = (id: string): string[] => [
      ...new Set(
        log.commands
          .slice(before)
          .filter((args) => args[0]!.toLowerCase() !== 'pubsub' && args.some((a) => a.includes(id)))
          .map((args) => args[0]!.toLowerCase()),
      ),
    ];
    assert.deepEqual(commandsFor(published), ['unsubscribe'], 'only UNSUBSCRIBE once waited for');
    assert.deepEqual(commandsFor(stored), ['mget', 'unsubscribe'], 'one read, then UNSUBSCRIBE');
  });

  test('1,000 waiters arriving together cost one SUBSCRIBE and one MGET, and all wake', CASE, async (t) => {
    const prefix = prefixed();
    const backend = await open(t, { globalKeyprefix: prefix });
    const writer = await open(t, { globalKeyprefix: prefix });
    const ids = Array.from({ length: 1_000 }, () => randomUUID());
    const waits = ids.map((id) => backend.waitForReady(id, { timeoutMs: 20_000 }));
    await untilSubscribers(raw, backend.keys.task(ids[ids.length - 1]!), 1);
    await Promise.all(ids.map((id, i) => writer.storeResult(meta(id, 'SUCCESS', i))));
    const results = await Promise.all(waits);
    assert.deepEqual(
      results.map((r) => r.result),
      ids.map((_, i) => i),
    );
    for (;;) {
      const channels = await raw.pubsub('CHANNELS', `${prefix}*`);
      if ((channels as string[]).length === 0) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await log.sync(raw);
    const subscribes = log.named('subscribe', prefix);
    const reads = log.named('mget', prefix);
    const unsubscribes = log.named('unsubscribe', prefix);
    assert.equal(subscribes.length, 1, 'SUBSCRIBE commands');
    assert.equal(subscribes[0]!.length - 1, 1_000, 'channels in the SUBSCRIBE');
    assert.equal(reads.length, 1, 'MGET commands');
    // Wake-ups arrive over several socket reads; each turn's releases share one UNSUBSCRIBE.
    assert.ok(unsubscribes.length <= 50, `${unsubscribes.length} UNSUBSCRIBE commands`);
    assert.equal(
      unsubscribes.reduce((n, args) => n + args.length - 1, 0),
      1_000,
      'channels unsubscribed',
    );
  });

  test('waiters survive a Redis restart, including waiters that arrive while it is down', { timeout: 60_000 }, async (t) => {
    const server = await PrivateRedisServer.start();
    t.after(() => server.stop());
    const waiterBackend = new RedisBackend({ url: server.url, logger: { warn: () => {} } });
    const writer = new RedisBackend({ url: server.url, logger: { warn: () => {} } });
    t.after(() => Promise.all([waiterBackend.stop(), writer.stop()]));
    const probe = createRedisClient(server.url);
    t.after(() => probe.disconnect());
    await writer.storeResult(meta(randomUUID(), 'SUCCESS', 'script loaded before the restart'));

    const before = randomUUID();
    const waits = [waiterBackend.waitForReady(before, { timeoutMs: 40_000 })];
    await untilSubscribers(probe, `celery-task-meta-${before}`, 1);
    await server.stop();
    const during = randomUUID();
    waits.push(waiterBackend.waitForReady(during, { timeoutMs: 40_000 }));
    await server.start();
    for (const id of [before, during]) await untilSubscribers(probe, `celery-task-meta-${id}`, 1);
    // Redis lost its script cache with the restart: the writer's script call must recover.
    await writer.storeResult(meta(before, 'SUCCESS', 'after restart'));
    await writer.storeResult(meta(during, 'REVOKED', serializeError(new Error('revoked'))));
    const [a, b] = await Promise.all(waits);
    assert.equal(a?.result, 'after restart');
    assert.equal(b?.status, 'REVOKED');
  });

  test('a result published while the subscriber connection is down still wakes its waiter', { timeout: 60_000 }, async (t) => {
    const server = await PrivateRedisServer.start();
    t.after(() => server.stop());
    const waiterBackend = new RedisBackend({ url: server.url, logger: { warn: () => {} } });
    const writer = new RedisBackend({ url: server.url, logger: { warn: () => {} } });
    t.after(() => Promise.all([waiterBackend.stop(), writer.stop()]));
    const probe = createRedisClient(server.url);
    t.after(() => probe.disconnect());
    const id = randomUUID();
    const channel = `celery-task-meta-${id}`;
    const waiting = waiterBackend.waitForReady(id, { timeoutMs: 40_000 });
    await untilSubscribers(probe, channel, 1);
    await writer.getMeta(id); // the writer's connection is up before the drop
    await probe.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    // ioredis waits at least 50 ms before reconnecting: this write and its PUBLISH come first.
    await writer.storeResult(meta(id, 'SUCCESS', 'published to nobody'));
    const [, subscribers] = (await probe.pubsub('NUMSUB', channel)) as [string, number];
    assert.equal(Number(subscribers), 0, 'the PUBLISH reached a subscriber: the test did not test the re-read');
    assert.equal((await waiting).result, 'published to nobody');
  });

  test('stop() while Redis is down returns at once; pending reads and waits reject with BACKEND_CLOSED', CASE, async (t) => {
    const server = await PrivateRedisServer.start();
    t.after(() => server.stop());
    const backend = new RedisBackend({ url: server.url, logger: { warn: () => {} } });
    t.after(() => backend.stop());
    await backend.storeResult(meta(randomUUID(), 'SUCCESS', 1));
    const closed = (error: unknown) => error instanceof CeleriacError && error.code === 'BACKEND_CLOSED';
    const waiting = assert.rejects(backend.waitForReady(randomUUID()), closed);
    await server.stop();
    const reading = assert.rejects(backend.getMeta(randomUUID()), closed);
    const forgetting = assert.rejects(backend.forget(randomUUID()), closed);
    const started = performance.now();
    await backend.stop();
    assert.ok(performance.now() - started < 1_000, `stop took ${performance.now() - started} ms`);
    await Promise.all([reading, forgetting, waiting]);
  });
});
