// What the interop tests need from the machine — Debian's Python Celery 5.x, a reachable Redis,
// and celeriac's own Redis transport and backend — checked once, and the one place that decides
// between running, skipping (locally, with the reason printed) and failing (under CI=true).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createBackend } from '../../src/backends/create-backend.js';
import { createTransport } from '../../src/transports/create-transport.js';

/** Debian's interpreter, which has python3-celery; the `python3` first on PATH may not. */
export const pythonPath = process.env.INTEROP_PYTHON ?? '/usr/bin/python3';
/** Folder of the Python task module and client (the cwd of every Python process). */
export const pythonDir = fileURLToPath(new URL('./python/', import.meta.url));
/** Redis server without a database number; each test file appends its own. */
export const redisBaseUrl = (process.env.INTEROP_REDIS_URL ?? 'redis://127.0.0.1:6379').replace(/\/+$/, '');

/**
 * Redis databases of the interop test files: one each, so files can run in parallel and each
 * may FLUSHDB its own at start. Other suites must not use these.
 */
export const interopDbs = { revoke: 9, pools: 11, canvas: 12, celeriacToPython: 13, pythonToCeleriac: 14, mixed: 15 } as const;

export function redisUrl(db: number): string {
  return `${redisBaseUrl}/${db}`;
}

export type InteropEnvironment = { ok: true; celeryVersion: string } | { ok: false; reason: string };

let checked: Promise<InteropEnvironment> | undefined;

/** Checks (once per process) that everything the interop tests need is there. */
export function interopEnvironment(): Promise<InteropEnvironment> {
  checked ??= check();
  return checked;
}

async function check(): Promise<InteropEnvironment> {
  const py = spawnSync(pythonPath, ['-c', 'import celery, redis, msgpack; print(celery.__version__)'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (py.error || py.status !== 0) {
    const why = py.error ? py.error.message : py.stderr.trim().split('\n').pop();
    return { ok: false, reason: `${pythonPath} cannot import celery, redis and msgpack (apt-get install python3-celery python3-redis python3-msgpack): ${why}` };
  }
  const celeryVersion = py.stdout.trim();
  if (!celeryVersion.startsWith('5.')) {
    return { ok: false, reason: `${pythonPath} has Celery ${celeryVersion}; the interop tests target Celery 5.2` };
  }
  const redis = new Redis(redisUrl(0), { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    return { ok: false, reason: `Redis is not reachable at ${redisBaseUrl} (set INTEROP_REDIS_URL): ${(err as Error).message}` };
  } finally {
    redis.disconnect();
  }
  for (const [what, make] of [
    ['broker transport', () => createTransport(redisUrl(0))],
    ['result backend', () => createBackend(redisUrl(0))],
  ] as const) {
    try {
      // Never started: this only asks whether the scheme is supported.
      await make()?.stop();
    } catch (err) {
      return { ok: false, reason: `celeriac has no Redis ${what} yet: ${(err as Error).message}` };
    }
  }
  return { ok: true, celeryVersion };
}

/**
 * `describe` for an interop suite: its tests run concurrently (they share one worker of each kind
 * per file), unless `concurrency: false` (a suite whose last test stops the shared workers runs
 * its tests in order). When the environment is missing, the suite is one skipped test carrying
 * the reason — or, under `CI=true` (where CI installs everything), one failing test.
 */
export function describeInterop(name: string, env: InteropEnvironment, fn: () => void, options: { concurrency?: boolean } = {}): void {
  if (env.ok) {
    describe(name, { concurrency: options.concurrency ?? true }, fn);
    return;
  }
  if (process.env.CI === 'true') {
    test(`${name}: interop environment`, () => assert.fail(`interop environment missing under CI: ${env.reason}`));
    return;
  }
  process.stdout.write(`# skipping ${name}: ${env.reason}\n`);
  test(name, { skip: env.reason }, () => undefined);
}
