// Canvas end to end on Redis (broker and result backend, Celery's key layout), on the server named
// by CELERIAC_TEST_REDIS_URL; its own queue, so other suites sharing the server are not disturbed.
import { randomUUID } from 'node:crypto';
import { redisTestUrl, redisUnavailable } from '../support/redis-test-server.js';
import { canvasScenarios } from './canvas-scenarios.js';

const unavailable = await redisUnavailable();
if (unavailable === undefined) {
  canvasScenarios('redis', {
    settings: () => ({ broker_url: redisTestUrl, result_backend: redisTestUrl, task_default_queue: `canvas-${randomUUID()}` }),
  });
}
