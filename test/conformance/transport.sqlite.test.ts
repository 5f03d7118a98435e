import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import {
  parseSqliteUrl,
  SqliteTransport,
  type SqliteTransportOptions,
} from '../../src/transports/sqlite/sqlite-transport.js';
import { ManualClock } from './manual-clock.js';
import {
  Collector,
  message,
  recordingLogger,
  settle,
  tagOf,
  transportConformance,
} from './transport.conformance.js';

const CASE = { timeout: 15_000 };

transportConformance('sqlite', () => {
  // A fresh file per case; every open() is a new connection to it, as another process would be.
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-transport-'));
  const opened: SqliteTransport[] = [];
  return {
    open: (options) => {
      const transport = new SqliteTransport({ path: join(dir, 'broker.db'), ...options });
      opened.push(transport);
      return transport;
    },
    dispose: async () => {
      for (const transport of opened) await transport.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

// What only the sqlite transport promises: durability, visibility timeout, reaping, URLs.
describe('sqlite transport', () => {
  let dir: string;
  let path: string;
  const opened: SqliteTransport[] = [];
  const open = (options: Omit<SqliteTransportOptions, 'path'> = {}): SqliteTransport => {
    const transport = new SqliteTransport({ path, ...options });
    opened.push(transport);
    return transport;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'celeriac-sqlite-'));
    path = join(dir, 'broker.db');
  });
  afterEach(async () => {
    for (const transport of opened.splice(0)) await transport.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('messages and dead letters survive a restart', CASE, async () => {
    const first = open();
    await first.start();
    await first.publish(message('kept'), { exchange: '', routingKey: 'durable' });
    await first.deadLetter(message('dead'), 'durable', 'bad');
    await first.stop();
    const second = open();
    await second.start();
    assert.equal(await second.size('durable'), 1);
    assert.deepEqual((await second.listDeadLetters()).map((l) => l.reason), ['bad']);
    const collector = new Collector((d) => void d.ack());
    await collector.consume(second, ['durable'], 1);
    const [got] = await collector.waitFor(1);
    assert.equal(tagOf(got!), 'kept');
    assert.equal(got!.redelivered, false);
  });

  test('a publish on another connection wakes a waiting consumer', CASE, async () => {
    const consumer = open();
    const producer = open();
    await consumer.start();
    await producer.start();
    const collector = new Collector((d) => void d.ack());
    await collector.consume(consumer, ['wake'], 1);
    await settle();
    await producer.publish(message('ping'), { exchange: '', routingKey: 'wake' });
    const [got] = await collector.waitFor(1);
    assert.equal(tagOf(got!), 'ping');
    collector.controller.abort();
  });

  test('a held message outlives the visibility timeout while its consumer renews it; frozen, the consumer loses it', CASE, async () => {
    // Each transport has a virtual clock of its own, as each process has its own timers:
    // advancing both is time passing for both; advancing only the taker's is the holder frozen
    // (SIGSTOP) — its heartbeat and lease renewals stop, its process stays. Consumers are taken
    // for dead only after ten visibility timeouts of silence, so only the lease can expire here.
    const visibilityTimeoutMs = 60_000;
    const consumerTimeoutMs = 10 * visibilityTimeoutMs;
    const holderClock = new ManualClock();
    const takerClock = new ManualClock(holderClock.now());
    const holderSide = open({ visibilityTimeoutMs, consumerTimeoutMs, clock: holderClock });
    const takerSide = open({ visibilityTimeoutMs, consumerTimeoutMs, clock: takerClock });
    await holderSide.start();
    await takerSide.start();
    await holderSide.publish(message('leased'), { exchange: '', routingKey: 'vt' });
    const holder = new Collector(); // takes it and never acks
    await holder.consume(holderSide, ['vt'], 1);
    const [held] = await holder.waitFor(1);
    const taker = new Collector();
    await taker.consume(takerSide, ['vt'], 1);
    const pass = async (ms: number, clocks: ManualClock[]): Promise<void> => {
      for (let t = 0; t < ms; t += 1_000) for (const clock of clocks) clock.advance(1_000);
      await settle();
    };

    await pass(5 * visibilityTimeoutMs, [holderClock, takerClock]);
    assert.equal(taker.deliveries.length, 0, 'renewed: nobody else gets it while its holder lives');
    // A lease is renewed by half-time, so a frozen holder's lease has at least half a timeout left.
    await pass(visibilityTimeoutMs / 2 - 1_000, [takerClock]);
    assert.equal(taker.deliveries.length, 0, 'not back before the lease runs out');
    await pass(visibilityTimeoutMs / 2 + 1_000, [takerClock]);
    const [again] = await taker.waitFor(1);
    assert.equal(tagOf(again!), 'leased');
    assert.equal(again!.redelivered, true);
    assert.equal(held!.deliveryTag, again!.deliveryTag);
    // The first consumer's late ack still removes the message (ids are never reused).
    await held!.ack();
    await again!.ack();
    assert.equal(await takerSide.size('vt'), 0);
    holder.controller.abort();
    taker.controller.abort();
  });

  test('leases of stale or unregistered consumers are given back at start', CASE, async () => {
    const first = open();
    await first.start();
    await first.publish(message('stale'), { exchange: '', routingKey: 'reap' });
    await first.publish(message('orphan'), { exchange: '', routingKey: 'reap' });
    await first.publish(message('alive'), { exchange: '', routingKey: 'reap' });
    await first.stop();
    // Forge what crashed processes leave behind: a consumer row with a stale heartbeat (its
    // pid is ours, so only the heartbeat gives it away), a lease whose owner has no row, and
    // a live-looking consumer's lease.
    const db = new Database(path);
    const now = Date.now();
    const insert = db.prepare('INSERT INTO celeriac_consumers VALUES (?, ?, ?, ?, ?)');
    insert.run('stale-one', process.pid, hostname(), 0, now - 3_600_000);
    insert.run('live-one', process.pid, hostname(), now, now);
    const lease = db.prepare(
      `UPDATE celeriac_messages SET lease_owner = ?, lease_expires_at = ? WHERE headers LIKE ?`,
    );
    lease.run('stale-one', now + 3_600_000, '%"stale"%');
    lease.run('nobody', now + 3_600_000, '%"orphan"%');
    lease.run('live-one', now + 3_600_000, '%"alive"%');
    db.close();

    const second = open();
    await second.start();
    assert.equal(await second.size('reap'), 2);
    const collector = new Collector((d) => void d.ack());
    await collector.consume(second, ['reap'], 0);
    const got = await collector.waitFor(2);
    assert.deepEqual(got.map((d) => [tagOf(d), d.redelivered]), [
      ['stale', true],
      ['orphan', true],
    ]);
    collector.controller.abort();
  });

  test('a consumer row of an earlier process with our pid counts as dead (restarted container)', CASE, async () => {
    const first = open();
    await first.start();
    await first.publish(message('before-restart'), { exchange: '', routingKey: 'pid1' });
    await first.stop();
    const db = new Database(path);
    const now = Date.now();
    db.prepare('INSERT INTO celeriac_consumers VALUES (?, ?, ?, ?, ?)').run(
      'previous-incarnation', process.pid, hostname(), performance.timeOrigin - 60_000, now,
    );
    db.prepare(`UPDATE celeriac_messages SET lease_owner = 'previous-incarnation', lease_expires_at = ?`).run(
      now + 3_600_000,
    );
    db.close();
    const second = open();
    await second.start();
    assert.equal(await second.size('pid1'), 1);
  });

  test('a stored row with broken JSON is dead-lettered, not delivered', CASE, async () => {
    const logger = recordingLogger();
    const transport = open({ logger });
    await transport.start();
    await transport.publish(message('broken'), { exchange: '', routingKey: 'corrupt' });
    await transport.publish(message('fine'), { exchange: '', routingKey: 'corrupt' });
    const db = new Database(path);
    db.prepare(`UPDATE celeriac_messages SET headers = '{not json' WHERE headers LIKE '%"broken"%'`).run();
    db.close();
    const collector = new Collector((d) => void d.ack());
    await collector.consume(transport, ['corrupt'], 0);
    const [got] = await collector.waitFor(1);
    assert.equal(tagOf(got!), 'fine');
    collector.controller.abort();
    const letters = await transport.listDeadLetters();
    assert.equal(letters.length, 1);
    assert.match(letters[0]!.reason, /unreadable/);
    assert.equal(logger.warnings.length, 1);
  });

  test('a write refused by a busy database fails its callers; the transport recovers', CASE, async () => {
    const logger = recordingLogger();
    const transport = open({ busyTimeoutMs: 50, pollIntervalMs: 50, logger });
    await transport.start();
    const collector = new Collector();
    await collector.consume(transport, ['busy'], 1);
    await transport.publish(message('a'), { exchange: '', routingKey: 'busy' });
    const [a] = await collector.waitFor(1);
    const locker = new Database(path);
    locker.exec('BEGIN IMMEDIATE'); // another connection holds the write lock
    await assert.rejects(a!.ack(), (error: Error & { code?: string; cause?: { code?: string } }) => {
      assert.equal(error.code, 'TRANSPORT_ERROR');
      assert.equal(error.cause?.code, 'SQLITE_BUSY');
      assert.equal(error.message, 'sqlite transport: ack failed: database is locked');
      return true;
    });
    assert.match(logger.warnings[0]!, /write transaction failed/);
    locker.exec('COMMIT');
    locker.close();
    await transport.publish(message('b'), { exchange: '', routingKey: 'busy' });
    const [, b] = await collector.waitFor(2);
    assert.equal(tagOf(b!), 'b');
    await b!.ack();
    collector.controller.abort();
  });

  test('a publish that cannot be stored fails alone, with ENCODE_ERROR', CASE, async () => {
    const transport = open();
    await transport.start();
    const bad = { ...message('bad'), headers: { n: 1n } as Record<string, unknown> };
    const good = transport.publish(message('good'), { exchange: '', routingKey: 'enc' });
    await assert.rejects(transport.publish(bad, { exchange: '', routingKey: 'enc' }), { code: 'ENCODE_ERROR' });
    await good;
    assert.equal(await transport.size('enc'), 1);
  });

  test('URLs: sqlite:///relative (from the cwd) and sqlite:////absolute', () => {
    assert.equal(new SqliteTransport({ url: `sqlite:///${relative(process.cwd(), path)}` }).path, path);
    assert.equal(new SqliteTransport({ url: `sqlite:///${path}` }).path, path);
    assert.equal(parseSqliteUrl('sqlite:////var/lib/q.db'), '/var/lib/q.db');
    assert.throws(() => new SqliteTransport({ url: 'sqlite://host/q.db' }), { code: 'BAD_URL' });
    assert.throws(() => new SqliteTransport({ url: 'redis://localhost' }), { code: 'BAD_URL' });
    assert.throws(() => new SqliteTransport({}), { code: 'USAGE' });
  });
});
