/**
 * The Redis transport's revocations: the sorted set `celeriac.revoked` (under
 * `global_keyprefix`), member = task id, score = expiry in ms since the epoch. celeriac's own
 * key (Python Celery keeps revocations in worker memory only; docs/redis.md). Each `add` is one
 * MULTI: `ZADD GT` (an id keeps its later expiry), drop expired members, keep at most
 * {@link REVOCATIONS_MAX} (the soonest to expire go first).
 */
import type { RedisClient } from '../../connections/redis-connection.js';
import { redisFailure } from '../../connections/redis-failure.js';
import { REVOCATIONS_MAX, type Revocation, type RevocationStore } from '../revocation-store.js';

export class RevocationSet implements RevocationStore {
  constructor(
    private readonly key: string,
    /** The command connection; throws `TRANSPORT_CLOSED` when the transport is stopped. */
    private readonly client: (action: string) => RedisClient,
    private readonly now: () => number,
  ) {}

  async add(revocations: readonly Revocation[]): Promise<void> {
    const client = this.client('record revocations');
    if (revocations.length === 0) return;
    const scored: (string | number)[] = [];
    for (const { taskId, expiresAtMs } of revocations) scored.push(expiresAtMs, taskId);
    try {
      const results = await client
        .multi()
        .zadd(this.key, 'GT', ...scored)
        .zremrangebyscore(this.key, '-inf', this.now())
        .zremrangebyrank(this.key, 0, -(REVOCATIONS_MAX + 1))
        .exec();
      const failed = results?.find(([error]) => error !== null);
      if (failed) throw failed[0];
    } catch (error) {
      throw redisFailure('TRANSPORT_ERROR', 'redis transport: recording revocations', error);
    }
  }

  async list(nowMs: number): Promise<Revocation[]> {
    const client = this.client('list revocations');
    let flat: string[];
    try {
      flat = await client.zrangebyscore(this.key, `(${nowMs}`, '+inf', 'WITHSCORES');
    } catch (error) {
      throw redisFailure('TRANSPORT_ERROR', 'redis transport: listing revocations', error);
    }
    const revocations: Revocation[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) revocations.push({ taskId: flat[i]!, expiresAtMs: Number(flat[i + 1]) });
    return revocations;
  }
}
