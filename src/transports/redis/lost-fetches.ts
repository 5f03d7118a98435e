/**
 * Fetches whose reply was lost, and getting back what they held. `pop-and-hold.lua` pops and holds
 * in one atomic step, but its reply can still be lost after Redis ran it: the client's socket
 * timeout fires first (a slow or frozen worker, a Redis that stalled longer than the timeout), or
 * the connection drops. Its messages are then held in Redis for this live consumer, which never
 * saw them: no restorer touches a live consumer's messages before the visibility timeout (an hour
 * by default), and the worker sits idle beside them — a silent stall.
 *
 * So every call is marked by its score (`fetchScore`: unique within the transport), and a call
 * that failed stays recorded here until a `reclaim-lost.lua` call has found what it held; the
 * consumer delivers those messages as if the reply had arrived (they stay held, with the same
 * delivery tags), before it fetches anything else. Only the failure path costs anything.
 */
import type { RedisClient } from '../../connections/redis-connection.js';
import { isRedisReplyError, redisReason } from '../../connections/redis-failure.js';
import type { TransportLogger } from '../transport.js';
import type { KeyLayout } from './key-layout.js';
import type { PoppedMessage } from './redis-consumer.js';
import { reclaimLostScript } from './redis-scripts.js';

/** A call whose reply did not arrive. */
interface LostFetch {
  score: string;
  /** A tag it held that was already handed out (the message BRPOP returned): not delivered again. */
  handedOut: string | undefined;
  /** Why the reply did not arrive (for the log line). */
  reason: string;
}

/** The list names a consumer fetches from, to turn an unacked record back into a message. */
export interface ConsumerLists {
  layout: KeyLayout;
  /** Each list's name as a JSON string, as `pop-and-hold.lua` records it (no global prefix). */
  namesJson: readonly string[];
}

export class LostFetches {
  /** Calls sent and not yet answered, by score. */
  readonly #inFlight = new Map<string, string | undefined>();
  #lost: LostFetch[] = [];

  constructor(
    private readonly owner: string,
    private readonly logger: TransportLogger,
  ) {}

  /** True when a failed call's messages may still be held for nobody. */
  get pending(): boolean {
    return this.#lost.length > 0;
  }

  /** A call with `score` is sent; `handedOut` is the tag of a message it holds that is already out. */
  sent(score: string, handedOut: string | undefined): void {
    this.#inFlight.set(score, handedOut);
  }

  /** Its reply arrived and was handed over. */
  answered(score: string): void {
    this.#inFlight.delete(score);
  }

  /** It failed: whether Redis ran it is unknown, so it must be reclaimed. */
  failed(score: string, error: unknown): void {
    if (!this.#inFlight.has(score)) return;
    const handedOut = this.#inFlight.get(score);
    this.#inFlight.delete(score);
    this.#lost.push({ score, handedOut, reason: lossReason(error) });
  }

  /**
   * Looks up what the lost calls held, on `client`; resolves with the messages to deliver (in the
   * order each call recorded them). A call is forgotten only once its lookup was answered, so a
   * lookup that fails is simply made again. Redis errors propagate.
   */
  async reclaim(client: RedisClient, lists: ConsumerLists): Promise<PoppedMessage[]> {
    const { layout } = lists;
    const keys = [layout.unacked, layout.unackedIndex, layout.unackedOwner];
    const found: PoppedMessage[] = [];
    while (this.#lost.length > 0) {
      const lost = this.#lost[0]!;
      const reply = (await reclaimLostScript.run(client, keys, [lost.score, this.owner])) as string[];
      let count = 0;
      for (let i = 0; i + 1 < reply.length; i += 2) {
        const tag = String(reply[i]);
        if (tag === lost.handedOut) continue;
        const message = fromRecord(String(reply[i + 1]), tag, lists);
        if (message === undefined) continue;
        found.push(message);
        count++;
      }
      this.#lost.shift();
      this.logger.warn(
        count === 0
          ? `redis transport: a fetch's reply was lost (${lost.reason}); it had taken nothing`
          : `redis transport: a fetch's reply was lost (${lost.reason}) after it took ${count} message(s); ` +
              'reclaimed them, delivering them now (they would have waited for the visibility timeout)',
      );
    }
    return found;
  }
}

/** Why a call's reply did not arrive, in words for the log (ioredis's own are about its retries). */
function lossReason(error: unknown): string {
  if (isRedisReplyError(error)) return `Redis answered: ${redisReason(error)}`;
  const reason = redisReason(error);
  // What ioredis says of a command its connection dropped (the socket timeout, a reset) unanswered.
  if (reason.startsWith('Reached the max retries per request limit')) return 'the connection closed before the reply came';
  return reason;
}

/**
 * The message an unacked record written by `pop-and-hold.lua` holds: `[<envelope>, "", <list name>]`,
 * with the envelope text exactly as it was popped. undefined for a record of some other shape
 * (not ours: we leave it to the restorers).
 */
function fromRecord(record: string, tag: string, lists: ConsumerLists): PoppedMessage | undefined {
  const { layout, namesJson } = lists;
  for (const nameJson of namesJson) {
    const tail = `, "", ${nameJson}]`;
    if (!record.startsWith('[') || !record.endsWith(tail)) continue;
    const name = JSON.parse(nameJson) as string;
    return { listKey: layout.prefix + name, queue: layout.queueOfList(name), payload: record.slice(1, -tail.length), tag };
  }
  return undefined;
}

/**
 * The scores `pop-and-hold.lua` calls of one transport record (kombu's delivery time in unix
 * seconds): now, plus a fraction of a millisecond that counts the calls (1 to 999 µs), so that no
 * two calls of the transport within a millisecond share one, and none equals a renewal's whole
 * millisecond. Python's restore reads it as the time it is (kombu's own scores have microseconds).
 */
export class FetchScores {
  #count = 0;

  next(nowMs: number): string {
    this.#count = (this.#count % 999) + 1;
    return String((Math.floor(nowMs) + this.#count / 1000) / 1000);
  }
}
