/**
 * Ready messages of a queue over all its priority lists (`queue`, `queue\x06\x163`, …): counting
 * them and removing them.
 */
import type { RedisClient } from '../../connections/redis-connection.js';
import type { KeyLayout } from './key-layout.js';

/** Removes every ready message of the queue atomically; resolves with how many there were. */
export async function purgeQueueLists(client: RedisClient, layout: KeyLayout, queue: string): Promise<number> {
  const pipeline = client.multi();
  for (const key of layout.listKeys(queue)) pipeline.llen(key).del(key);
  const replies = (await pipeline.exec()) ?? [];
  let count = 0;
  for (let i = 0; i < replies.length; i += 2) {
    const [error, length] = replies[i]!;
    if (error) throw error;
    count += Number(length);
  }
  return count;
}

/** The number of ready messages of the queue. */
export async function countQueueLists(client: RedisClient, layout: KeyLayout, queue: string): Promise<number> {
  const pipeline = client.pipeline();
  for (const key of layout.listKeys(queue)) pipeline.llen(key);
  let count = 0;
  for (const [error, length] of (await pipeline.exec()) ?? []) {
    if (error) throw error;
    count += Number(length);
  }
  return count;
}
