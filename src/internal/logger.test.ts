import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, LogSinks, type LogRecord } from './logger.js';

const dir = mkdtempSync(join(tmpdir(), 'celeriac-log-'));
// The logger opens its file asynchronously; remove it when the process ends, not before.
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('sinks added after the logger exists receive records at their level; removing one stops it', () => {
  const sinks = new LogSinks();
  const log = createLogger({ level: 'info', format: 'json', file: join(dir, 'out.log'), sinks });
  log.info('before any sink');
  const errors: LogRecord[] = [];
  const all: LogRecord[] = [];
  const removeErrors = sinks.add({ level: 'error', write: (r) => void errors.push(r) });
  sinks.add({ write: (r) => void all.push(r) });
  log.child({ taskName: 'tasks.add', taskId: 'id-1' }).error({ err: new Error('boom') }, 'it broke');
  log.info('fine');
  log.debug('below the logger level: never written, never sunk');
  removeErrors();
  log.error('after removal');
  assert.deepEqual(errors.map((r) => r.msg), ['it broke']);
  assert.equal(errors[0]?.level, 'error');
  assert.equal(errors[0]?.taskName, 'tasks.add');
  assert.match(String((errors[0]?.err as { message?: string }).message), /boom/);
  assert.deepEqual(all.map((r) => r.msg), ['it broke', 'fine', 'after removal']);
  // A throwing sink is ignored.
  sinks.add({ write: () => assert.fail('boom') });
  assert.doesNotThrow(() => log.warn('still logging'));
});
