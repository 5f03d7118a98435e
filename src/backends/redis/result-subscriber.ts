/**
 * Pub/sub wake-ups for result waiters, on one subscriber connection shared by every waiter of a
 * backend — the role of Celery's `ResultConsumer`, without its polling and without subscribing at
 * send time (PERFORMANCE.md): a task's channel is subscribed only while someone waits for it.
 *
 * For each task id that gains its first waiter: SUBSCRIBE its channel, and once Redis has
 * confirmed, read the key once (a result stored before the subscription was never published to
 * us). Every id watched or released during one event-loop turn shares those commands: 1,000
 * waiters arriving together cost one SUBSCRIBE, one MGET and, when they are done, one UNSUBSCRIBE.
 *
 * A task this client just sent can be *expected* (`expect`, called at send time): its channel is
 * subscribed and its key read right away, while the task is still on its way, and what arrives
 * is kept. A `get()` that follows then needs no round trip at all — the result is there, or its
 * message will be. At most {@link MAX_EXPECTED} tasks are expected at once (a burst of sends
 * beyond that takes the ordinary path), and an expectation nobody waits on ends after
 * {@link EXPECT_TTL_MS}.
 *
 * After the subscriber connection comes back from a drop, every watched and expected channel is
 * subscribed again and its key read again, so a result published while it was down still wakes
 * its waiters.
 */
import type { RedisClient } from '../../connections/redis-connection.js';
import type { ResultKeys } from './result-keys.js';

/** Channels per SUBSCRIBE / UNSUBSCRIBE and keys per MGET. */
const CHUNK = 1_000;

/** Most tasks expected at once. */
const MAX_EXPECTED = 1_000;

/** How long an expected task's channel stays subscribed without a waiter. */
const EXPECT_TTL_MS = 30_000;

/** A task expected before anyone waits for it. */
interface Expected {
  sinceMs: number;
  /** The latest value read or published for it, if any. */
  value: string | undefined;
}

export interface ResultSubscriberOptions {
  /** Dedicated to SUBSCRIBE/UNSUBSCRIBE; its `maxRetriesPerRequest` should be null (wait out drops). */
  subscriber: RedisClient;
  /** Reads keys (MGET) after a subscription is confirmed. */
  commands: RedisClient;
  keys: ResultKeys;
  /** True while some waiter waits for `taskId`. */
  isWatched: (taskId: string) => boolean;
  /** A value read or published for a watched task (any state; the callee picks ready ones). */
  onValue: (taskId: string, text: string) => void;
  /** Subscribing or reading failed for these ids: their waiters cannot be woken reliably. */
  onFailure: (taskIds: readonly string[], error: unknown) => void;
  /** The clock's time in ms, and its timers (unref'd), for expectations. */
  now: () => number;
  setTimer: (fn: () => void, delayMs: number) => () => void;
}

export class ResultSubscriber {
  /** Ids whose SUBSCRIBE has been sent and no UNSUBSCRIBE since (on the current connection). */
  private readonly subscribed = new Set<string>();
  private readonly toWatch = new Set<string>();
  private readonly toRelease = new Set<string>();
  private readonly expected = new Map<string, Expected>();
  private readonly toExpect: string[] = [];
  private cancelSweep: (() => void) | undefined;
  private scheduled = false;
  private dropped = false;
  private stopped = false;

  constructor(private readonly options: ResultSubscriberOptions) {
    const { subscriber, keys } = options;
    subscriber.on('message', (channel: string, message: string) => {
      const taskId = keys.taskIdOf(channel);
      if (taskId !== undefined) this.arrived(taskId, message);
    });
    subscriber.on('close', () => (this.dropped = true));
    subscriber.on('ready', () => {
      if (!this.dropped || this.stopped) return;
      this.dropped = false;
      this.resubscribe();
    });
  }

  /**
   * `taskId` was just sent and may be waited for: subscribe now and keep what arrives. Ignored
   * beyond {@link MAX_EXPECTED} expectations.
   */
  expect(taskId: string, nowMs: number): void {
    if (this.stopped || this.expected.size >= MAX_EXPECTED || this.subscribed.has(taskId) || this.options.isWatched(taskId)) return;
    this.expected.set(taskId, { sinceMs: nowMs, value: undefined });
    this.toExpect.push(taskId);
    this.schedule();
    this.cancelSweep ??= this.options.setTimer(this.sweep, EXPECT_TTL_MS);
  }

  /** `taskId` gained its first waiter: subscribe (if not already) and read its key once. */
  watch(taskId: string): void {
    const early = this.expected.get(taskId);
    if (early !== undefined) {
      this.expected.delete(taskId);
      if (this.subscribed.has(taskId)) {
        // Subscribed already, and read after that (or about to be): the value kept, that read,
        // or a message settles the waiter. release() unsubscribes as for any watched task.
        if (early.value !== undefined) this.options.onValue(taskId, early.value);
        return;
      }
    }
    this.toRelease.delete(taskId);
    this.toWatch.add(taskId);
    this.schedule();
  }

  /** `taskId` has no waiter left: unsubscribe (unless it is watched again in the meantime). */
  release(taskId: string): void {
    this.toWatch.delete(taskId);
    this.toRelease.add(taskId);
    this.schedule();
  }

  /** Forget all state; later results and reconnects are ignored. */
  stop(): void {
    this.stopped = true;
    this.cancelSweep?.();
    this.cancelSweep = undefined;
    this.expected.clear();
    this.toExpect.length = 0;
    this.toWatch.clear();
    this.toRelease.clear();
    this.subscribed.clear();
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.stopped) return;
    const { isWatched, keys, subscriber } = this.options;
    const unsubscribe: string[] = [];
    for (const taskId of this.toRelease) {
      if (!isWatched(taskId) && this.subscribed.delete(taskId)) unsubscribe.push(keys.task(taskId));
    }
    const check: string[] = [];
    const subscribe: string[] = [];
    for (const taskId of this.toWatch) {
      if (!isWatched(taskId)) continue;
      check.push(taskId);
      if (this.subscribed.has(taskId)) continue;
      this.subscribed.add(taskId);
      subscribe.push(keys.task(taskId));
    }
    this.toRelease.clear();
    this.toWatch.clear();
    for (const taskId of this.toExpect) {
      if (!this.expected.has(taskId) || this.subscribed.has(taskId)) continue;
      this.subscribed.add(taskId);
      subscribe.push(keys.task(taskId));
      check.push(taskId);
    }
    this.toExpect.length = 0;
    for (let i = 0; i < unsubscribe.length; i += CHUNK) {
      // Nothing waits on an unsubscription; a failure leaves a harmless extra channel.
      subscriber.unsubscribe(...unsubscribe.slice(i, i + CHUNK)).catch(ignore);
    }
    if (check.length > 0) void this.subscribeThenCheck(subscribe, check);
  };

  /** A value published or read for `taskId`: to its waiters, or kept for an expected task. */
  private arrived(taskId: string, text: string): void {
    if (this.options.isWatched(taskId)) {
      this.options.onValue(taskId, text);
      return;
    }
    const early = this.expected.get(taskId);
    if (early !== undefined) early.value = text;
  }

  /** Ends the expectations nobody came to wait for. */
  private readonly sweep = (): void => {
    this.cancelSweep = undefined;
    if (this.stopped) return;
    const before = this.options.now() - EXPECT_TTL_MS;
    for (const [taskId, early] of this.expected) {
      if (early.sinceMs > before) continue;
      this.expected.delete(taskId);
      this.release(taskId);
    }
    if (this.expected.size > 0) this.cancelSweep = this.options.setTimer(this.sweep, EXPECT_TTL_MS);
  };

  private resubscribe(): void {
    const taskIds = [...this.subscribed].filter((taskId) => this.options.isWatched(taskId) || this.expected.has(taskId));
    this.subscribed.clear();
    for (const taskId of taskIds) this.subscribed.add(taskId);
    if (taskIds.length > 0) void this.subscribeThenCheck(taskIds.map((taskId) => this.options.keys.task(taskId)), taskIds);
  }

  /** SUBSCRIBE `channels`; once confirmed, read the keys of `taskIds` (never rejects). */
  private async subscribeThenCheck(channels: readonly string[], taskIds: readonly string[]): Promise<void> {
    const { subscriber, commands, keys, onFailure } = this.options;
    try {
      const confirmations: Promise<unknown>[] = [];
      for (let i = 0; i < channels.length; i += CHUNK) confirmations.push(subscriber.subscribe(...channels.slice(i, i + CHUNK)));
      await Promise.all(confirmations);
      const reads: Promise<(string | null)[]>[] = [];
      for (let i = 0; i < taskIds.length; i += CHUNK) reads.push(commands.mget(taskIds.slice(i, i + CHUNK).map((id) => keys.task(id))));
      const values = (await Promise.all(reads)).flat();
      if (this.stopped) return;
      values.forEach((value, i) => {
        const taskId = taskIds[i];
        if (value !== null && taskId !== undefined) this.arrived(taskId, value);
      });
    } catch (error) {
      if (this.stopped) return;
      // Expected tasks nobody waits for yet take the ordinary path when they are waited for.
      for (const taskId of taskIds) if (this.expected.delete(taskId)) this.subscribed.delete(taskId);
      onFailure(taskIds.filter((taskId) => this.options.isWatched(taskId)), error);
    }
  }
}

function ignore(): void {}
