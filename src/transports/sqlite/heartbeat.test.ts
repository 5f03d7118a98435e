import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { ManualClock } from '../../../test/conformance/manual-clock.js';
import { Collector, message, recordingLogger } from '../../../test/conformance/transport.conformance.js';
import { heartbeatPeriodMs } from './heartbeat.js';
import { SqliteTransport } from './sqlite-transport.js';

test('ticks come every heartbeat interval, and at least six times per visibility timeout', () => {
  assert.equal(heartbeatPeriodMs(2_000, 3_600_000), 2_000);
  assert.equal(heartbeatPeriodMs(2_000, 6_000), 1_000);
  assert.equal(heartbeatPeriodMs(2_000, 3), 1);
});

test('a tick renews, in one UPDATE, only the held leases a third through; a failing tick warns once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-heartbeat-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'broker.db');
  const clock = new ManualClock();
  const logger = recordingLogger();
  // Ticks every 2 s; a lease (60 s) is renewed once it has under 40 s left.
  const transport = new SqliteTransport({ path, clock, logger, visibilityTimeoutMs: 60_000, busyTimeoutMs: 20 });
  t.after(() => transport.stop());
  await transport.start();
  const leasedAt = clock.now();
  for (const tag of ['a', 'b', 'c']) await transport.publish(message(tag), { exchange: '', routingKey: 'held' });
  const holder = new Collector();
  await holder.consume(transport, ['held'], 0);
  await holder.waitFor(3);
  t.after(() => holder.controller.abort());
  const db = new Database(path);
  t.after(() => db.close());
  // A live consumer's lease, due as soon as ours: not ours to renew.
  await transport.publish(message('theirs'), { exchange: '', routingKey: 'other' });
  db.prepare('INSERT INTO celeriac_consumers VALUES (?, ?, ?, ?, ?)').run(
    'other-consumer', process.pid, hostname(), Date.now(), leasedAt + 3_600_000,
  );
  db.prepare(`UPDATE celeriac_messages SET lease_owner = 'other-consumer', lease_expires_at = ? WHERE queue = 'other'`).run(
    leasedAt + 60_000,
  );
  const expiries = (queue: string): number[] =>
    db.prepare<[string], number>(`SELECT lease_expires_at FROM celeriac_messages WHERE queue = ? ORDER BY id`).pluck().all(queue);

  clock.advance(20_000); // ticks at 2, 4, … 20 s: 40 s left is not under 40 s
  assert.deepEqual(expiries('held'), [1, 2, 3].map(() => leasedAt + 60_000));
  clock.advance(2_000); // the tick at 22 s renews all three to a full timeout
  assert.deepEqual(expiries('held'), [1, 2, 3].map(() => leasedAt + 82_000));
  assert.deepEqual(expiries('other'), [leasedAt + 60_000]);
  clock.advance(20_000); // 40 s left at 42 s: renewed at the next tick only
  assert.deepEqual(expiries('held'), [1, 2, 3].map(() => leasedAt + 82_000));
  clock.advance(2_000);
  assert.deepEqual(expiries('held'), [1, 2, 3].map(() => leasedAt + 104_000));

  db.exec('BEGIN IMMEDIATE'); // another process holds the write lock
  clock.advance(30_000);
  assert.deepEqual(expiries('held'), [1, 2, 3].map(() => leasedAt + 104_000));
  db.exec('ROLLBACK');
  clock.advance(2_000);
  assert.deepEqual(expiries('held'), [1, 2, 3].map(() => leasedAt + 136_000));
  const warnings = logger.warnings.filter((w) => w.includes('heartbeat'));
  assert.equal(warnings.length, 2);
  assert.match(warnings[0]!, /^sqlite transport: heartbeat and lease renewal failed \(database is locked\); retrying every 2000 ms$/);
  assert.equal(warnings[1], 'sqlite transport: heartbeat and lease renewal work again');
});
