import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { CeleriacError } from '../errors.js';
import { sqliteFailure } from './sqlite-failure.js';

test('wraps a driver error: stable code, one-line message saying what failed, the error as cause', () => {
  const busy = new Database.SqliteError('database is locked', 'SQLITE_BUSY');
  const error = sqliteFailure('TRANSPORT_ERROR', "sqlite transport: publish to 'celery'", busy);
  assert.ok(error instanceof CeleriacError);
  assert.equal(error.code, 'TRANSPORT_ERROR');
  assert.equal(error.message, "sqlite transport: publish to 'celery' failed: database is locked");
  assert.equal(error.cause, busy);
});

test('keeps only the first line of a long message; non-errors are stringified', () => {
  assert.equal(
    sqliteFailure('BACKEND_ERROR', 'sqlite result backend: x', new Error('first\nsecond')).message,
    'sqlite result backend: x failed: first',
  );
  assert.equal(sqliteFailure('BACKEND_ERROR', 'y', 'boom').message, 'y failed: boom');
});

test('a CeleriacError passes through unchanged', () => {
  const original = new CeleriacError('CONFIG_INVALID', 'newer schema');
  assert.equal(sqliteFailure('TRANSPORT_ERROR', 'z', original), original);
});
