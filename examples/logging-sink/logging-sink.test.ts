// examples/logging-sink as a smoke test: errors reach the local HTTP collector, each once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('examples/logging-sink: a failure report and the error log lines arrive at the collector', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/logging-sink/run.ts'], {
    cwd: root,
    timeout: 60_000,
    env: { ...process.env, SINK_LOGLEVEL: 'error' },
  });
  assert.match(stdout, /charge\(4242…, 1999\)\s+= \{"charged":1999\}/);
  assert.match(stdout, /charge\(4000…, 500\)\s+failed: CardDeclined/);
  assert.match(stdout, /collector received 1 failure report\(s\) on \/errors:\n\s+billing\.charge CardDeclined: card 4000 0000 0000 0002 declined \(traceback \d+ lines\)/);
  assert.match(stdout, /collector received 2 error log line\(s\) on \/logs:/);
  assert.match(stdout, /\[task billing\.charge\] card 4000 0000 0000 0002 declined by the bank/);
  assert.match(stdout, /\[worker\] Task billing\.charge\[[0-9a-f-]{36}\] raised unexpected: CardDeclined\('card 4000 0000 0000 0002 declined'\)/);
});
