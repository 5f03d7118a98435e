/**
 * The outbox of unconfirmed publishes (`confirm_publish` false): a publish resolves as soon as
 * the outbox has the message, without waiting for Redis's reply, and the outbox keeps it until
 * Redis acknowledged its `LPUSH`.
 *
 * - Everything published until the process next waits (a `process.nextTick` queued by the first
 *   publish runs once the microtask queue has drained), or until half the bound is queued, goes
 *   out as one `LPUSH key v1 v2 …` per list, in one write: an awaited `delay()` loop, which runs
 *   in microtasks, fills a command until it waits for room or reaches half the bound. A message
 *   held in the outbox for that moment is as safe as one held in the connection's buffers: both
 *   are in this process's memory until the write.
 * - A message whose connection was lost before the reply is sent again after the reconnect, as
 *   its retry policy allows (Celery's `retry_policy`: a re-send waits for the connection at most
 *   `interval_start`, then `+interval_step`… per retry, and `max_retries` re-sends). Redis may
 *   have stored it before the connection dropped: at-least-once, a duplicate is possible.
 * - A message refused by Redis (`OOM`, `READONLY`…) or out of retries fails: its tracker is told
 *   `settled(error)`, and whoever published it reports it (the producer logs it and fails the
 *   task's `get()`).
 * - At most {@link OutboxLimits.maxUnconfirmed} messages are unconfirmed at once: past that,
 *   `publish()` waits for room (back-pressure), until half the bound is free again. Waiting for
 *   half rather than for one slot lets an awaited loop, which reads Redis's replies only while it
 *   waits, write hundreds of messages per wait instead of the handful one read returns.
 */
import type { RedisClient } from '../../connections/redis-connection.js';
import { isRedisReplyError, redisFailure } from '../../connections/redis-failure.js';
import { CeleriacError } from '../../errors.js';
import type { Clock } from '../../internal/clock.js';
import { backoffDelayMs, type BackoffPolicy } from '../../internal/retry.js';
import type { UnconfirmedPublish } from '../transport.js';

/** A sent batch that failed on a connection ioredis still calls ready is looked at again this soon. */
const RECHECK_AFTER_MS = 100;

interface Entry {
  listKey: string;
  text: string;
  policy: BackoffPolicy | null;
  /** Re-sends made so far. */
  retries: number;
  /** While waiting for a re-send: when the next retry is due (clock ms). */
  dueMs: number;
  /** Told how the message ended (through {@link PublishOutbox.#settle}). */
  tracker: UnconfirmedPublish | undefined;
  /** Set when one message went to several lists: it ends once every list's copy has. */
  copies: Copies | undefined;
}

/** The copies of one message routed to several lists: how many are still unconfirmed, and the first loss. */
interface Copies {
  left: number;
  error: Error | undefined;
}

export interface OutboxLimits {
  /** Most unconfirmed messages at once; `publish()` waits past it. */
  maxUnconfirmed: number;
}

export interface PublishOutboxOptions extends OutboxLimits {
  /** The connection, or undefined once the session is closed. */
  client: () => RedisClient | undefined;
  clock: Clock;
  /** The server, for error messages (password masked). */
  describe: string;
}

/** What a publish that did not wait for room returns: the message is queued. */
const QUEUED: Promise<void> = Promise.resolve();

export class PublishOutbox {
  #queued = new Map<string, Entry[]>();
  /** Entries in {@link #queued}. */
  #queuedCount = 0;
  #flushScheduled = false;
  /** Unconfirmed: queued, in flight or waiting for a re-send. */
  #count = 0;
  /** Lost with a connection, to send again. */
  #waiting: Entry[] = [];
  #cancelRetryTimer: (() => void) | undefined;
  #roomWaiters: (() => void)[] = [];
  #drainWaiters: (() => void)[] = [];
  /** Set by a stop that waited long enough: a message that fails now is not sent again. */
  #givenUp = false;

  constructor(private readonly options: PublishOutboxOptions) {}

  /** Messages not yet confirmed by Redis. */
  get size(): number {
    return this.#count;
  }

  /**
   * Queues `text` for every list of `listKeys` (one message, routed to several queues), to be
   * written when the process next waits, and resolves once it is queued. `tracker` is told
   * `unconfirmed()` before the returned promise resolves, then `settled()` once Redis stored the
   * message in every list, or `settled(error)` (`TRANSPORT_ERROR`) when it is lost. Waits first
   * while {@link OutboxLimits.maxUnconfirmed} messages are unconfirmed, and behind publishers
   * already waiting.
   */
  publish(
    listKeys: readonly string[],
    text: string,
    policy: BackoffPolicy | null,
    tracker?: UnconfirmedPublish,
  ): Promise<void> {
    const max = this.options.maxUnconfirmed;
    // Behind earlier waiters while they wait for half the bound (a settle is then still to come).
    if (this.#count >= max || (this.#roomWaiters.length > 0 && this.#count > max >> 1)) {
      return this.#publishWhenRoom(listKeys, text, policy, tracker);
    }
    this.#publishNow(listKeys, text, policy, tracker);
    return QUEUED;
  }

  #publishNow(listKeys: readonly string[], text: string, policy: BackoffPolicy | null, tracker: UnconfirmedPublish | undefined): void {
    tracker?.unconfirmed();
    const copies = listKeys.length === 1 ? undefined : { left: listKeys.length, error: undefined };
    for (const listKey of listKeys) {
      this.#count++;
      this.#queue({ listKey, text, policy, retries: 0, dueMs: 0, tracker, copies });
    }
  }

  async #publishWhenRoom(
    listKeys: readonly string[],
    text: string,
    policy: BackoffPolicy | null,
    tracker: UnconfirmedPublish | undefined,
  ): Promise<void> {
    do await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
    while (this.#count >= this.options.maxUnconfirmed);
    this.#publishNow(listKeys, text, policy, tracker);
  }

  /** The connection is (again) up: send what waits for it. */
  connected(): void {
    if (this.#waiting.length === 0) return;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const entry of waiting) {
      entry.retries++;
      this.#queue(entry);
    }
    this.#flush();
    this.#armRetryTimer();
  }

  /**
   * Resolves once every message published so far is confirmed or failed. After `giveUpAfterMs`
   * the ones still waiting for a connection fail (a retry policy without a limit would wait
   * forever).
   */
  async drained(giveUpAfterMs: number): Promise<void> {
    if (this.#count === 0) return;
    const cancel = this.options.clock.setTimer(() => {
      this.#givenUp = true;
      const stopped = new CeleriacError('TRANSPORT_ERROR', `redis transport: stopped while disconnected from ${this.options.describe}`);
      for (const entry of this.#waiting.splice(0)) this.#settle(entry, stopped);
    }, giveUpAfterMs);
    await new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    cancel();
  }

  #queue(entry: Entry): void {
    const entries = this.#queued.get(entry.listKey);
    if (entries === undefined) this.#queued.set(entry.listKey, [entry]);
    else entries.push(entry);
    // Half the bound queued: send it now, so Redis stores it while the publisher queues the
    // other half (an awaited loop would otherwise leave Redis idle while it fills the outbox).
    if (++this.#queuedCount >= this.options.maxUnconfirmed >> 1) {
      this.#flush();
      return;
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      // Runs once the microtask queue has drained: after every publish of this run.
      process.nextTick(this.#flush);
    }
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    const queued = this.#queued;
    if (queued.size === 0) return;
    this.#queued = new Map();
    this.#queuedCount = 0;
    const client = this.options.client();
    for (const [listKey, entries] of queued) {
      if (client === undefined || client.status !== 'ready') {
        this.#failedSend(entries, new CeleriacError('TRANSPORT_ERROR', `not connected to ${this.options.describe}`), client);
        continue;
      }
      client.lpush(listKey, ...entries.map((entry) => entry.text)).then(
        () => {
          for (const entry of entries) this.#settle(entry);
        },
        (error: unknown) => this.#failedSend(entries, error, client),
      );
    }
  };

  #failedSend(entries: Entry[], error: unknown, client: RedisClient | undefined): void {
    const failure = redisFailure('TRANSPORT_ERROR', `redis transport: publish to '${entries[0]?.listKey ?? ''}'`, error);
    const now = this.options.clock.now();
    for (const entry of entries) {
      const { policy } = entry;
      if (this.#givenUp || isRedisReplyError(error) || policy === null || (policy.maxRetries !== null && entry.retries >= policy.maxRetries)) {
        this.#settle(entry, failure);
        continue;
      }
      entry.dueMs = now + backoffDelayMs(policy, entry.retries + 1);
      this.#waiting.push(entry);
    }
    // ioredis may still call the connection ready for a moment after the socket died.
    if (client !== undefined && client.status === 'ready') {
      this.options.clock.setTimer(() => {
        if (client.status === 'ready') this.connected();
      }, RECHECK_AFTER_MS);
    }
    this.#armRetryTimer();
  }

  /** One timer for the earliest due retry: a due message still disconnected uses up that retry. */
  #armRetryTimer(): void {
    this.#cancelRetryTimer?.();
    this.#cancelRetryTimer = undefined;
    if (this.#waiting.length === 0) return;
    const due = Math.min(...this.#waiting.map((entry) => entry.dueMs));
    this.#cancelRetryTimer = this.options.clock.setTimer(() => {
      this.#cancelRetryTimer = undefined;
      const client = this.options.client();
      if (client !== undefined && client.status === 'ready') {
        this.connected();
        return;
      }
      const now = this.options.clock.now();
      const still: Entry[] = [];
      const missed: Entry[] = [];
      for (const entry of this.#waiting) (entry.dueMs <= now ? missed : still).push(entry);
      this.#waiting = still;
      for (const entry of missed) entry.retries++;
      if (missed.length > 0) this.#failedSend(missed, new CeleriacError('TRANSPORT_ERROR', `not connected to ${this.options.describe}`), client);
      else this.#armRetryTimer();
    }, Math.max(0, due - this.options.clock.now()));
  }

  #settle(entry: Entry, error?: Error): void {
    this.#count--;
    const waiters = this.#roomWaiters;
    if (waiters.length > 0 && this.#count <= this.options.maxUnconfirmed >> 1) {
      // As many as fit, oldest first; each checks the count again before queuing.
      const room = this.options.maxUnconfirmed - this.#count;
      for (const resume of waiters.splice(0, room)) resume();
    }
    if (this.#count === 0) {
      for (const resolve of this.#drainWaiters.splice(0)) resolve();
    }
    const { copies } = entry;
    if (copies !== undefined) {
      copies.error ??= error;
      if (--copies.left > 0) return;
      error = copies.error;
    }
    entry.tracker?.settled(error);
  }
}
