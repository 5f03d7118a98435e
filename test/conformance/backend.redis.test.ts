import { after, describe } from 'node:test';
import { createBackend } from '../../src/backends/create-backend.js';
import type { ResultBackend } from '../../src/backends/backend.js';
import { deleteKeys, redisTestUrl, redisUnavailable, uniqueKeyPrefix } from '../support/redis-test-server.js';
import { backendConformance } from './backend.conformance.js';

const unavailable = await redisUnavailable();
if (unavailable !== undefined) {
  describe('ResultBackend conformance: redis://', { skip: unavailable }, () => {});
} else {
  // Every key of this run lives under one prefix, removed at the end (some cases never expire).
  const globalKeyprefix = uniqueKeyPrefix();
  after(() => deleteKeys(redisTestUrl, globalKeyprefix));
  const expiry = 'Redis expires keys on its own clock, not the injected one; TTLs are checked in test/integration/redis-backend.redis.test.ts';
  backendConformance('redis://', {
    create: (options) => createBackend(redisTestUrl, { ...options, transportOptions: { globalKeyprefix } }) as ResultBackend,
    skip: {
      'results expire after resultExpiresMs (read as PENDING; each write restarts the lifetime)': expiry,
      'an expired SUCCESS neither blocks a new write nor satisfies a waiter': expiry,
    },
  });
}
