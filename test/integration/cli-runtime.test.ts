// Which celeriac the `celeriac` command runs (bin/runtime.js): compiled dist/ with no TypeScript
// loader for a JavaScript app, the same copy as the app's `import 'celeriac'`; and when dist/ may
// run at all (bin/dist-freshness.js). npm test builds dist/ before any test starts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { distState, sourceSignature } from '../../bin/dist-freshness.js';
import { projectRoot, spawnWorker } from './worker-processes.js';
import { Celery } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'celeriac-runtime-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a JavaScript app runs on compiled celeriac, with no loader, and shares its copy of celeriac', async () => {
  const broker = `sqlite:///${join(dir, 'js.db')}`;
  process.env.JS_APP_BROKER = broker;
  const { app, probe } = await import('../fixtures/apps/javascript-app.mjs');
  // CELERIAC_RUNTIME=dist: fail rather than fall back to the sources if the build is missing.
  const worker = await spawnWorker(['-A', 'test/fixtures/apps/javascript-app.mjs', '-c', '2'], { JS_APP_BROKER: broker, CELERIAC_RUNTIME: 'dist' });
  try {
    // The worker found the app's Celery instance: `instanceof` held across the command and the app.
    const seen = await (await probe.delay()).get({ timeout: 30_000 });
    assert.equal(seen.pid, worker.child.pid);
    assert.equal(seen.celeriac, pathToFileURL(join(projectRoot, 'dist/index.js')).href);
    assert.equal(seen.sourceMapsEnabled, false, 'tsx was registered in the worker');
  } finally {
    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0);
    await app.close();
  }
});

// A project made with `npm init` has no "type": "module" (npm 11 writes "commonjs"): tsx alone
// would load its tasks.ts as CommonJS and Node 20 then refuses `import 'celeriac'` as a cycle.
for (const [runtime, packageType] of [['dist', undefined], ['source', 'commonjs']] as const) {
  test(`a TypeScript app in a ${packageType ?? 'package.json-less'} folder runs (${runtime} runtime)`, async () => {
    const appDir = join(dir, `ts-app-${runtime}`);
    mkdirSync(join(appDir, 'node_modules'), { recursive: true });
    symlinkSync(projectRoot, join(appDir, 'node_modules/celeriac'));
    if (packageType) writeFileSync(join(appDir, 'package.json'), JSON.stringify({ name: 'ts-app', type: packageType }));
    writeFileSync(
      join(appDir, 'tasks.ts'),
      [
        "import { Celery } from 'celeriac';",
        "export const app = new Celery('ts-app', { broker_url: process.env.TS_APP_BROKER });",
        "export const add = app.task('ts_app.add', (a: number, b: number): number => a + b);",
      ].join('\n'),
    );
    const broker = `sqlite:///${join(dir, `ts-${runtime}.db`)}`;
    const worker = await spawnWorker(['-A', join(appDir, 'tasks.ts'), '-c', '1'], { TS_APP_BROKER: broker, CELERIAC_RUNTIME: runtime });
    const client = new Celery('ts-app-client', { broker_url: broker });
    try {
      assert.equal(await (await client.sendTask('ts_app.add', [2, 3])).get({ timeout: 30_000 }), 5);
    } finally {
      worker.child.kill('SIGTERM');
      assert.equal(await worker.exited, 0, worker.stderr());
      await client.close();
    }
  });
}

test('dist/ runs only when built from the sources beside it; an installed package has none', () => {
  const root = join(dir, 'checkout');
  mkdirSync(join(root, 'src/app'), { recursive: true });
  mkdirSync(join(root, 'dist'));
  for (const file of ['src/index.ts', 'src/app/a.ts', 'src/app/a.test.ts', 'tsconfig.json', 'tsconfig.build.json']) writeFileSync(join(root, file), 'x');
  assert.deepEqual(distState(root), { usable: false, reason: 'dist/ is not built (npm run build)' });

  writeFileSync(join(root, 'dist/build-info.json'), JSON.stringify({ sources: sourceSignature(root) }));
  assert.deepEqual(distState(root), { usable: true });
  // Tests are not compiled: editing one leaves dist/ usable.
  writeFileSync(join(root, 'src/app/a.test.ts'), 'edited');
  assert.deepEqual(distState(root), { usable: true });

  utimesSync(join(root, 'src/app/a.ts'), new Date(), new Date(Date.now() + 5_000));
  assert.equal(distState(root).usable, false);
  assert.match((distState(root) as { reason: string }).reason, /src\/app\/a\.ts changed/);

  writeFileSync(join(root, 'dist/build-info.json'), JSON.stringify({ sources: sourceSignature(root) }));
  writeFileSync(join(root, 'src/app/b.ts'), 'new file');
  assert.match((distState(root) as { reason: string }).reason, /src\/app\/b\.ts changed/);

  rmSync(join(root, 'src'), { recursive: true });
  assert.deepEqual(distState(root), { usable: true }, 'a packed install (no src/) runs dist/');
});

test('V8 flags: the default, CELERIAC_V8_FLAGS instead of it, and node\'s own flag first', () => {
  const applied = (nodeArgs: string[], env: Record<string, string | undefined>): unknown => {
    const script = "import('./bin/runtime.js').then((m) => console.log(JSON.stringify(m.applyV8Flags())))";
    const { CELERIAC_V8_FLAGS: _unset, ...base } = process.env;
    const run = spawnSync(process.execPath, [...nodeArgs, '-e', script], { cwd: projectRoot, env: { ...base, ...env }, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    return JSON.parse(run.stdout);
  };
  assert.deepEqual(applied([], {}), ['--heap-growing-percent=100', '--max-semi-space-size=8']);
  assert.deepEqual(applied([], { CELERIAC_V8_FLAGS: '' }), []);
  assert.deepEqual(applied([], { CELERIAC_V8_FLAGS: '--heap-growing-percent=50 --semi-space-growth-factor=1' }), ['--heap-growing-percent=50', '--semi-space-growth-factor=1']);
  assert.deepEqual(applied(['--heap_growing_percent=30'], {}), ['--max-semi-space-size=8']);
  // Node's own semi-space size is real (set as the heap was made): the command does not cap it again.
  assert.deepEqual(applied([], { NODE_OPTIONS: '--max-semi-space-size=4' }), ['--heap-growing-percent=100']);
  assert.deepEqual(applied([], { CELERIAC_V8_FLAGS: '--max-semi-space-size=4' }), ['--max-semi-space-size=4']);
});

test('the semi-space cap keeps the young generation at the cap while the same allocations grow it uncapped', () => {
  // Allocations that survive scavenges, the kind that makes V8 grow its new space (to 16 MiB a
  // semi-space by default); reports the largest new space (both semi-spaces) seen, in MiB.
  const largestNewSpace = (cap: number | undefined): number => {
    const script = `
      const { getHeapSpaceStatistics } = await import('node:v8');
      if (${cap ?? 0}) (await import('./bin/semi-space-cap.js')).capSemiSpace(${cap ?? 0});
      const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
      let keep = [];
      let largest = 0;
      for (let round = 0; round < 200; round++) {
        for (let i = 0; i < 10000; i++) { keep.push({ i }); if (keep.length > 30000) keep = []; }
        await new Promise(setImmediate);
        largest = Math.max(largest, newSpace());
      }
      console.log(largest / 1048576);`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: projectRoot, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    return Number(run.stdout);
  };
  assert.ok(largestNewSpace(undefined) > 8, 'the allocations do not grow an uncapped new space: the test proves nothing');
  assert.equal(largestNewSpace(2), 2 * 2);
  assert.equal(largestNewSpace(4), 2 * 4);
  assert.equal(largestNewSpace(6), 2 * 4, 'a cap between powers of two stops at the one below');
});
