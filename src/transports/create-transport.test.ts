import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTransport } from './create-transport.js';
import { SqliteTransport } from './sqlite/sqlite-transport.js';

describe('createTransport', () => {
  test('chooses the transport by scheme', () => {
    const memory = createTransport('memory://');
    assert.equal(memory.capabilities.durable, false);
    const sqlite = createTransport('sqlite:////tmp/celeriac-not-opened.db');
    assert.equal(sqlite.capabilities.durable, true);
    assert.equal(sqlite.capabilities.crossProcess, true);
    assert.equal(createTransport('SQLITE:///x.db').capabilities.durable, true);
  });

  test('an unknown scheme lists the supported ones', () => {
    assert.throws(() => createTransport('redis://localhost:6379/0'), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'UNSUPPORTED_TRANSPORT');
      assert.match(error.message, /supported: memory:\/\/, sqlite:\/\//);
      return true;
    });
    assert.throws(() => createTransport('celeriac.db'), { code: 'BAD_URL' });
    assert.throws(() => createTransport('sqlite://host/x.db'), { code: 'BAD_URL' });
  });

  test("maps Celery's broker_transport_options (seconds) and reports the ones without effect", () => {
    const warnings: string[] = [];
    const logger = { warn: (m: string) => warnings.push(m) };
    const transport = createTransport('sqlite:///x.db', {
      logger,
      transportOptions: { visibility_timeout: 600, polling_interval: 0.25, priority_steps: [0, 3, 6, 9] },
    });
    assert.ok(transport instanceof SqliteTransport);
    assert.equal(transport.settings.visibilityTimeoutMs, 600_000);
    assert.equal(transport.settings.pollIntervalMs, 250);
    const typed = createTransport('sqlite:///x.db', {
      transportOptions: { visibility_timeout: 600 },
      sqlite: { visibilityTimeoutMs: 5_000 },
    }) as SqliteTransport;
    assert.equal(typed.settings.visibilityTimeoutMs, 5_000);
    assert.deepEqual(warnings, ["broker_transport_options 'priority_steps' has no effect on the sqlite:// transport"]);
    assert.throws(
      () => createTransport('sqlite:///x.db', { logger, transportOptions: { visibility_timeout: 'soon' } }),
      { code: 'CONFIG_INVALID' },
    );
  });
});
