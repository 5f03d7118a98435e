// examples/hooks as a smoke test: it runs and its handlers see what the example says they see.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('examples/hooks: success, failure, retries and exhausted autoretry go through the base handlers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-hooks-example-'));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/hooks/run.ts'], {
      cwd: root,
      timeout: 60_000,
      env: { ...process.env, HOOKS_FAILURES_FILE: join(dir, 'failures.jsonl'), HOOKS_LOGLEVEL: 'critical' },
    });
    assert.match(stdout, /divide\(10, 4\)\s+= 2\.5\n\s+hooks: beforeStart → onSuccess → afterReturn\(SUCCESS\)/);
    assert.match(stdout, /divide\(1, 0\)\s+failed: ZeroDivisionError: division by zero\n\s+hooks: beforeStart → onFailure → afterReturn\(FAILURE\)/);
    assert.match(
      stdout,
      /fetchQuote\('ACME'\)\s+= "ACME: 42\.00 after 2 retries"\n\s+hooks: beforeStart → onRetry\(quote service down \(call 1\)\) → beforeStart → onRetry\(quote service down \(call 2\)\) → beforeStart → onSuccess → afterReturn\(SUCCESS\)/,
    );
    assert.match(stdout, /alwaysDown\(\)\s+failed: QuoteServiceDown: still down\n\s+hooks: beforeStart → onRetry\(still down\) → beforeStart → onFailure → afterReturn\(FAILURE\)/);
    assert.match(stdout, /failures persisted by the base .*: 2\n\s+tasks\.divide\s+ZeroDivisionError: division by zero\s+\(after 0 retries\)\n\s+tasks\.always_down\s+QuoteServiceDown: still down\s+\(after 1 retries\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
