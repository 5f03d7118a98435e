/**
 * A broker that is down when celeriac first needs it (a host reboot, a deploy restarting Redis
 * with the workers): a `celeriac worker` waits for it as Celery's consumer does at start-up
 * (`broker_connection_retry_on_startup`), and a client whose first send failed sends once it is
 * back. Against a private redis-server the test starts late.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Celery } from '../../src/index.js';
import { PrivateRedisServer, redisUnavailable } from '../support/redis-test-server.js';
import { launchWorker } from './worker-processes.js';

const APP = 'test/fixtures/apps/broker-startup-app.ts';
const skip = await redisUnavailable();

/** `celeriac worker` on the fixture app; its lines are watched on stdout and stderr (the log). */
const startWorker = (env: Record<string, string>) => launchWorker(['-A', APP, '-c', '2'], env, { watchStderr: true });

describe('a broker that is down at start-up', { skip, timeout: 60_000 }, () => {
  let server: PrivateRedisServer;
  before(async () => {
    server = await PrivateRedisServer.start();
    await server.stop(); // its port is now free, and nothing listens on it
  });
  after(() => server.stop());

  test('a worker waits for it, says so as Celery does, and runs tasks once it is up', async () => {
    const worker = startWorker({ BS_BROKER_URL: server.url });
    const app = new Celery('client', { broker_url: server.url, result_backend: server.url });
    try {
      const line = await worker.waitForLine(/Cannot connect to the broker/);
      assert.match(line, /consumer: Cannot connect to the broker: .*127\.0\.0\.1.*Trying again in 2\.00 seconds\.\.\. \(1\/100\)/);
      await server.start();
      await worker.waitForLine(/celeriac worker .* ready/);
      const result = await app.sendTask<number>('bs.add', [2, 3]);
      assert.equal(await result.get({ timeout: 20_000 }), 5);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
      await app.close();
      await server.stop();
    }
  });

  test('with broker_connection_retry_on_startup false it exits at once with the connection error', async () => {
    const worker = startWorker({ BS_BROKER_URL: server.url, BS_RETRY_ON_STARTUP: 'false' });
    const code = await worker.exited;
    assert.notEqual(code, 0);
    assert.match(worker.stderr(), /ECONNREFUSED/);
    assert.doesNotMatch(worker.stderr(), /Trying again/);
  });

  test('a client whose first send failed while it was down sends once it is up', async () => {
    const app = new Celery('client', { broker_url: server.url, result_backend: 'disabled', task_publish_retry: false });
    try {
      await assert.rejects(app.sendTask('bs.add', [1, 1]), /ECONNREFUSED/);
      await server.start();
      const result = await app.sendTask('bs.add', [1, 1]);
      assert.equal(typeof result.id, 'string');
    } finally {
      await app.close();
      await server.stop();
    }
  });
});
