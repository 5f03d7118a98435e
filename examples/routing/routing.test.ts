// examples/routing as a smoke test on a live Redis: seed 000's globs send each task to its queue
// and the worker consuming that queue (and only it) runs it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { redisTestUrl, redisUnavailable } from '../../test/support/redis-test-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const unavailable = await redisUnavailable();

describe('examples/routing', { skip: unavailable }, () => {
  test('webhook.* and internal.* run on the workers of their hackfun#workerQueue@ queues', async () => {
    const url = new URL(redisTestUrl);
    const db = Number(url.pathname.slice(1) || 0);
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-routing-example-'));
    const configFile = join(dir, 'config.yaml');
    writeFileSync(
      configFile,
      [
        'project_namespace: hackfun',
        'celery:',
        '  app:',
        '    name: "Celery"',
        '    redis:',
        `      host: "${url.hostname}"`,
        `      port: ${url.port || 6379}`,
        `      password: "${decodeURIComponent(url.password)}"`,
        `      celery_broker_db: ${db}`,
        `      celery_result_db: ${db}`,
        '',
      ].join('\n'),
    );
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/routing/run.ts'], {
        cwd: root,
        timeout: 60_000,
        env: { ...process.env, HACKFUN_CONFIG: configFile, HACKFUN_LOGLEVEL: 'critical' },
      });
      assert.match(stdout, /"internal_print"\s+ran on internal@… from queue hackfun#workerQueue@internal\n\s+printed: internal_print_haha internal_print other args \{"a":1,"b":2\}/);
      assert.match(stdout, /"webhook_print"\s+ran on webhook@… from queue hackfun#workerQueue@webhook\n\s+printed: webhook_print_haha webhook_print other args \{"a":3,"b":4\}/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      // The one key the run leaves: the workers' bindings to the default exchange.
      const client = new Redis(redisTestUrl);
      await client.del('_kombu.binding.hackfun#workerQueue@default').finally(() => client.disconnect());
    }
  });
});
