/**
 * The Redis transport's writes of one event-loop turn, sent as ONE pipeline: every publish
 * (one `LPUSH key v1 v2 …` per list, so FIFO order holds), every ack (`ack-held.lua`, a few
 * thousand tags per call), every requeue and dead-letter (`release-held.lua`). Callers share one
 * promise per kind per turn (`CommitBatch`).
 *
 * Failure semantics differ on purpose:
 * - publishes fail at once when the connection is down (the producer applies Celery's
 *   `retry_policy`; a queued publish would hang it);
 * - acks, requeues and dead-letters wait for the reconnect and are sent again (all idempotent:
 *   a release pushes only a message that is still held), so a Redis restart does not turn a
 *   finished task into a redelivery. They fail only if the transport stops while disconnected,
 *   or if Redis answers with an error while connected.
 */
import type { RedisClient } from '../../connections/redis-connection.js';
import { isRedisReplyError, redisFailure } from '../../connections/redis-failure.js';
import { CeleriacError } from '../../errors.js';
import { CommitBatch } from '../virtual/commit-batch.js';
import type { KeyLayout } from './key-layout.js';
import { ackHeldScript } from './redis-scripts.js';
import { ReleaseBatch } from './release-batch.js';

/** A settle batch that failed on a connection ioredis still calls ready is tried again this soon. */
const RETRY_AFTER_MS = 100;

/** Tags per `ack-held.lua` call (they are unpacked onto Lua's stack, limit ~8,000). */
const ACK_CHUNK = 2_000;

interface Settles {
  acks: string[];
  releases: ReleaseBatch[];
  /** Messages taken but never held nor delivered (BRPOP during a stop): RPUSH back. */
  putBacks: [string, string][];
  batch: CommitBatch | undefined;
}

const emptySettles = (): Settles => ({ acks: [], releases: [], putBacks: [], batch: undefined });

export class WriteBatcher {
  #publishes = new Map<string, string[]>();
  #publishBatch: CommitBatch | undefined;
  #settles: Settles = emptySettles();
  #scheduled = false;
  #microtaskScheduled = false;
  /** Settles waiting for the connection to come back. */
  #waiting = false;

  constructor(
    private readonly layout: KeyLayout,
    private readonly selfId: string,
    private readonly client: () => RedisClient | undefined,
    private readonly describe: string,
  ) {}

  /** Queues a publish of `text` onto `listKey`; resolves when Redis stored it. */
  publish(listKey: string, text: string): Promise<void> {
    const values = this.#publishes.get(listKey);
    if (values === undefined) this.#publishes.set(listKey, [text]);
    else values.push(text);
    this.#scheduleSoon();
    return (this.#publishBatch ??= new CommitBatch()).promise;
  }

  ack(tag: string): Promise<void> {
    this.#settles.acks.push(tag);
    return this.#settled();
  }

  /** Releases `tag` (held by this consumer), pushing `text` onto `listKey` if still held. */
  release(tag: string, text: string, listKey: string): Promise<void> {
    const releases = this.#settles.releases;
    let batch = releases[releases.length - 1];
    if (batch === undefined || batch.size >= 500) {
      batch = new ReleaseBatch(this.layout, undefined, this.selfId);
      releases.push(batch);
    }
    batch.add(tag, text, [listKey]);
    return this.#settled();
  }

  /** Puts a message that was never held back onto the consuming end of its list. */
  putBack(listKey: string, payload: string): Promise<void> {
    this.#settles.putBacks.push([listKey, payload]);
    return this.#settled();
  }

  /** The connection is (again) up: send what waited for it. */
  connected(): void {
    if (this.#waiting) {
      this.#waiting = false;
      this.#schedule();
    }
  }

  /** Sends everything pending now; resolves when it was answered (errors go to the callers). */
  async flush(): Promise<void> {
    const sent = this.#send();
    await sent.catch(() => undefined);
  }

  /** Fails everything still waiting (the transport stops while disconnected). */
  abandon(error: CeleriacError): void {
    const settles = this.#settles;
    this.#settles = emptySettles();
    this.#waiting = false;
    settles.batch?.reject(error);
    const publishBatch = this.#publishBatch;
    this.#publishes = new Map();
    this.#publishBatch = undefined;
    publishBatch?.reject(error);
  }

  #settled(): Promise<void> {
    this.#schedule();
    return (this.#settles.batch ??= new CommitBatch()).promise;
  }

  /**
   * Publishes go out at the end of the current microtask run (everything published by one
   * synchronous burst, e.g. `Promise.all(messages.map(publish))`, shares one pipeline, and a lone
   * publish is not delayed); acks wait for the next event-loop turn, so those of tasks finishing
   * in the same turn share one.
   */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#flushScheduled);
  }

  #scheduleSoon(): void {
    if (this.#microtaskScheduled) return;
    this.#microtaskScheduled = true;
    queueMicrotask(this.#flushSoon);
  }

  readonly #flushScheduled = (): void => {
    this.#scheduled = false;
    void this.#send();
  };

  readonly #flushSoon = (): void => {
    this.#microtaskScheduled = false;
    if (this.#publishes.size > 0) void this.#send();
  };

  #send(): Promise<void> {
    const client = this.client();
    const publishes = this.#publishes;
    const publishBatch = this.#publishBatch;
    this.#publishes = new Map();
    this.#publishBatch = undefined;
    const ready = client !== undefined && client.status === 'ready';
    if (!ready) {
      publishBatch?.reject(
        new CeleriacError('TRANSPORT_ERROR', `redis transport: publish failed: not connected to ${this.describe} (reconnecting)`),
      );
      if (hasSettles(this.#settles)) this.#waiting = true;
      return Promise.resolve();
    }
    const settles = this.#settles;
    this.#settles = emptySettles();
    if (publishes.size === 0 && !hasSettles(settles)) {
      settles.batch?.resolve();
      return Promise.resolve();
    }
    if (publishes.size === 1 && !hasSettles(settles)) {
      // The common producer case: one list, no pipeline object needed.
      const [key, values] = publishes.entries().next().value as [string, string[]];
      return client.lpush(key, ...values).then(
        () => this.#finishPublishes(publishBatch, undefined, 1),
        (error: unknown) => this.#finishPublishes(publishBatch, error, 1),
      );
    }
    const pipeline = client.pipeline();
    for (const [key, values] of publishes) pipeline.lpush(key, ...values);
    const layout = this.layout;
    const ackKeys = [layout.unacked, layout.unackedIndex, layout.unackedOwner];
    for (let i = 0; i < settles.acks.length; i += ACK_CHUNK) {
      ackHeldScript.queue(client, pipeline, ackKeys, settles.acks.slice(i, i + ACK_CHUNK));
    }
    for (const release of settles.releases) release.queue(client, pipeline);
    for (const [key, payload] of settles.putBacks) pipeline.rpush(key, payload);
    const publishCount = publishes.size;
    return pipeline.exec().then(
      (replies) => {
        let publishError: unknown;
        let settleError: unknown;
        (replies ?? []).forEach(([error], i) => {
          if (error === null || error === undefined) return;
          if (i < publishCount) publishError ??= error;
          else settleError ??= error;
        });
        this.#finishPublishes(publishBatch, publishError, publishCount);
        this.#finishSettles(client, settles, settleError);
      },
      (error: unknown) => {
        this.#finishPublishes(publishBatch, error, publishCount);
        this.#finishSettles(client, settles, error);
      },
    );
  }

  #finishPublishes(batch: CommitBatch | undefined, error: unknown, count: number): void {
    if (batch === undefined) return;
    if (error === undefined) batch.resolve();
    else batch.reject(redisFailure('TRANSPORT_ERROR', `redis transport: publish to ${count} list(s)`, error));
  }

  #finishSettles(client: RedisClient, settles: Settles, error: unknown): void {
    if (error === undefined || !hasSettles(settles)) {
      settles.batch?.resolve();
      return;
    }
    if (isRedisReplyError(error)) {
      settles.batch?.reject(redisFailure('TRANSPORT_ERROR', 'redis transport: ack/reject', error));
      return;
    }
    // The connection failed: keep them (ahead of newer ones) for the reconnect. ioredis may still
    // call the connection ready for a moment after the socket died, so look again shortly too.
    const next = this.#settles;
    this.#settles = {
      acks: [...settles.acks, ...next.acks],
      releases: [...settles.releases, ...next.releases],
      putBacks: [...settles.putBacks, ...next.putBacks],
      batch: mergeBatches(settles.batch, next.batch),
    };
    this.#waiting = true;
    if (client.status === 'ready') {
      setTimeout(() => this.connected(), RETRY_AFTER_MS).unref();
    }
  }
}

function hasSettles(settles: Settles): boolean {
  return settles.acks.length > 0 || settles.releases.length > 0 || settles.putBacks.length > 0;
}

/** One batch whose outcome settles both (either may be absent). */
function mergeBatches(a: CommitBatch | undefined, b: CommitBatch | undefined): CommitBatch | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  b.promise.then(
    () => a.resolve(),
    (error: unknown) => a.reject(error),
  );
  return b;
}
