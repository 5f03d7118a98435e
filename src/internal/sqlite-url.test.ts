import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CeleriacError } from '../errors.js';
import { parseSqliteUrl } from './sqlite-url.js';

test('parseSqliteUrl: three slashes relative, four absolute, empty in-memory', () => {
  assert.equal(parseSqliteUrl('sqlite:///celeriac.db'), 'celeriac.db');
  assert.equal(parseSqliteUrl('sqlite:///data/q.db'), 'data/q.db');
  assert.equal(parseSqliteUrl('sqlite:////var/lib/celeriac/q.db'), '/var/lib/celeriac/q.db');
  assert.equal(parseSqliteUrl('SQLITE:///x.db'), 'x.db');
  assert.equal(parseSqliteUrl('sqlite:///my%20results.db'), 'my results.db');
  assert.equal(parseSqliteUrl('sqlite://'), ':memory:');
  assert.equal(parseSqliteUrl('sqlite:///:memory:'), ':memory:');
});

test('parseSqliteUrl refuses what it cannot honour with BAD_URL', () => {
  for (const url of ['redis://localhost', 'sqlite:/x.db', 'sqlite://host/x.db', 'sqlite:///', 'sqlite:///x.db?timeout=5', 'sqlite:///%zz']) {
    assert.throws(() => parseSqliteUrl(url), (e) => e instanceof CeleriacError && e.code === 'BAD_URL', url);
  }
});
