/**
 * Brokers an end-to-end test runs on, as app settings: memory, a fresh sqlite file, and — when
 * the test Redis answers — Redis under a key prefix of its own (removed by `cleanup`), with the
 * Redis result backend. Each call of a broker's factory gives a fresh, isolated broker.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { deleteKeys, redisTestUrl, redisUnavailable, uniqueKeyPrefix } from './redis-test-server.js';

export interface AppBroker {
  /** `broker_url` and what goes with it. */
  settings: Record<string, unknown>;
  /** True when two apps with these settings share one broker (not memory, which lives in its app). */
  shared: boolean;
  cleanup?: () => Promise<void>;
}

/** `[name, factory]` for memory, sqlite (files in `dir`) and Redis when available. */
export async function appBrokers(dir: string): Promise<Array<[string, () => AppBroker]>> {
  const brokers: Array<[string, () => AppBroker]> = [
    ['memory', () => ({ settings: { broker_url: 'memory://' }, shared: false })],
    ['sqlite', () => ({ settings: { broker_url: `sqlite:///${join(dir, `${randomUUID()}.db`)}` }, shared: true })],
  ];
  if ((await redisUnavailable()) === undefined) {
    brokers.push([
      'redis',
      () => {
        const prefix = uniqueKeyPrefix();
        return {
          settings: { broker_url: redisTestUrl, result_backend: redisTestUrl, broker_transport_options: { global_keyprefix: prefix } },
          shared: true,
          cleanup: () => deleteKeys(redisTestUrl, prefix),
        };
      },
    ]);
  }
  return brokers;
}
