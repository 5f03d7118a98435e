/**
 * What a Redis consumer's fetch loop does after a failed fetch: wait for its blocking connection
 * to come back, or pause when Redis answered with an error (a retry at once would spin).
 */
import { isRedisReplyError, redisReason } from '../../connections/redis-failure.js';
import type { Clock } from '../../internal/clock.js';
import type { TransportLogger } from '../transport.js';
import type { RedisConsumer } from './redis-consumer.js';

/** How long a consumer waits after Redis refused a fetch. */
const PAUSE_MS = 1_000;

/** Resolves when the consumer may fetch again (or it was stopped meanwhile). */
export async function recoverFetch(consumer: RedisConsumer, error: unknown, clock: Clock, logger: TransportLogger): Promise<void> {
  const blocking = consumer.blocking;
  const pause = (): Promise<void> => new Promise<void>((resolve) => clock.setTimer(resolve, PAUSE_MS));
  if (isRedisReplyError(error)) {
    logger.warn(`redis transport: fetching failed (${redisReason(error)}); retrying in 1 s`);
    await Promise.race([pause(), consumer.stopped]);
    return;
  }
  // The connection failed: ioredis reconnects with backoff. It may still call the connection
  // ready for a moment after the socket died, hence the pause as a fallback.
  const reconnected = new Promise<void>((resolve) => blocking.once('ready', () => resolve()));
  await Promise.race([reconnected, consumer.stopped, ...(blocking.status === 'ready' ? [pause()] : [])]);
}
