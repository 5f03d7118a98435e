// examples/canvas as a smoke test: the seed 001/004 canvas examples print what Celery would.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('examples/canvas prints the seed results', { timeout: 120_000 }, async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/canvas/run.ts'], { cwd: root, timeout: 110_000 });
  const results = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line.slice(line.lastIndexOf('→ ') + 2)) as unknown);
  assert.deepEqual(results, [
    [0, 2, 4, 6, 8, 10, 12, 14, 16, 18],
    [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
    64,
    64,
    64,
    90,
    90,
    72,
    9,
    [0, 1, 4, 9, 16],
    [3, 7],
    [[0, 2, 4], [6, 8, 10], [12, 14, 16], [18]],
  ]);
});
