import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { message, recordingLogger } from '../../../test/conformance/transport.conformance.js';
import { describeWrites, noPendingWrites } from './pending-writes.js';
import { SqliteTransport } from './sqlite-transport.js';

type Failure = Error & { code?: string; cause?: { code?: string } };

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-sqlite-transport-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a publish batch refused by a locked file fails every publish of it with TRANSPORT_ERROR', async (t) => {
  const path = join(tempDir(t), 'broker.db');
  const logger = recordingLogger();
  const transport = new SqliteTransport({ path, busyTimeoutMs: 20, logger });
  t.after(() => transport.stop());
  await transport.start();
  const locker = new Database(path);
  locker.exec('BEGIN IMMEDIATE');
  await assert.rejects(transport.publish(message('a'), { exchange: '', routingKey: 'celery' }), (error: Failure) => {
    assert.equal(error.code, 'TRANSPORT_ERROR');
    assert.equal(error.cause?.code, 'SQLITE_BUSY');
    assert.equal(error.message, "sqlite transport: publish to 'celery' failed: database is locked");
    return true;
  });
  const batch = [
    transport.publish(message('b'), { exchange: '', routingKey: 'celery' }),
    transport.publish(message('c'), { exchange: '', routingKey: 'video' }),
  ];
  for (const published of batch) {
    await assert.rejects(published, { code: 'TRANSPORT_ERROR', message: /^sqlite transport: 2 publishes to 'celery', 'video' failed/ });
  }
  assert.equal(logger.warnings.length, 2);
  assert.match(logger.warnings[0]!, /^sqlite transport: write transaction failed \(publish to 'celery'\): database is locked$/);
  locker.exec('ROLLBACK');
  locker.close();
  await transport.publish(message('d'), { exchange: '', routingKey: 'celery' });
  assert.equal(await transport.size('celery'), 1);
});

test('a file that is not a database fails start() with TRANSPORT_ERROR naming it', async (t) => {
  const path = join(tempDir(t), 'broker.db');
  writeFileSync(path, 'not a database, only text that is long enough to fill a header.........');
  const transport = new SqliteTransport({ path });
  await assert.rejects(transport.start(), (error: Failure) => {
    assert.equal(error.code, 'TRANSPORT_ERROR');
    assert.equal(error.cause?.code, 'SQLITE_NOTADB');
    assert.equal(error.message, `sqlite transport: opening ${path} failed: file is not a database`);
    return true;
  });
});

test('describeWrites names what a failed batch held', () => {
  const w = noPendingWrites();
  assert.equal(describeWrites(w), 'leasing messages');
  const record = (exchange: string, routingKey: string) => ({
    priority: 0, exchange, routingKey, contentType: '', contentEncoding: '', headersJson: '{}', propertiesJson: '{}', body: Buffer.alloc(0),
  });
  w.acks.push(1, 2);
  assert.equal(describeWrites(w), '2 acks');
  w.inserts.push(record('', 'celery'));
  assert.equal(describeWrites(w), "publish to 'celery' and 2 acks");
  w.inserts.push(record('tasks', 'video'), record('', 'a'), record('', 'b'));
  w.releases.push(3);
  w.deadLetterIds.push(4);
  assert.equal(
    describeWrites(w),
    "4 publishes to 'celery', exchange 'tasks' (routing key 'video'), 'a', …, 2 acks, requeue and dead-lettering",
  );
});
