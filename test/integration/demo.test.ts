// The demo (`npm run demo`) as a smoke test, on a small directory so it stays quick.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { projectRoot } from './worker-processes.js';

test('the demo runs end to end across processes and prints its summary', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/demo/run.ts', 'src/worker'], {
    cwd: projectRoot,
    timeout: 120_000,
  });
  assert.match(stdout, /add\(2, 3\)\s+= 5/);
  assert.match(stdout, /mul\(6, 7\)\s+= 42/);
  assert.match(stdout, /xsum\(\[1\.\.10\]\)\s+= 55/);
  assert.match(stdout, /webhook\.print\s+ran from queue hackfun#workerQueue@webhook/);
  assert.match(stdout, /internal\.print\s+ran from queue hackfun#workerQueue@internal/);
  assert.match(stdout, /files\s+\d+/);
  assert.match(stdout, /total lines\s+[\d,]+/);
  assert.match(stdout, /worker stopped \(warm shutdown, exit code 0\)/);
});
