/**
 * Pub/sub wake-ups for result waiters, on one subscriber connection shared by every waiter of a
 * backend — the role of Celery's `ResultConsumer`, without its polling.
 *
 * For each task id that gains its first waiter: SUBSCRIBE its channel, and once Redis has
 * confirmed, read the key once (a result stored before the subscription was never published to
 * us). Every id watched during one event-loop turn shares those commands: 1,000 waiters arriving
 * together cost one SUBSCRIBE and one MGET.
 *
 * A task this client is sending can be *expected* (`expect`, called as it is sent): its channel
 * is subscribed in the same microtask run, so the SUBSCRIBE is written before the task's own
 * message, and what arrives is kept. A `get()` that follows needs no command at all — the
 * result's message comes on the subscription. The one case a message can miss — Redis running
 * the SUBSCRIBE after the result was already published, which needs the SUBSCRIBE to be
 * overtaken on the network by the task's message, a worker's run and its result — is covered by
 * one read of the key {@link SAFETY_READ_AFTER_MS} after the subscription was confirmed, made
 * only for a task someone waits for and that is still unsettled then. (Reading at once, as
 * Celery does, costs a command and a wake-up of this process per task while the worker runs it.)
 * At most {@link MAX_EXPECTED} tasks are expected at once (a burst of sends beyond that takes
 * the ordinary path), and an expectation nobody waits on ends after {@link EXPECT_TTL_MS}.
 *
 * A channel whose last waiter left stays subscribed for a while and is unsubscribed in batches
 * ({@link UNSUBSCRIBE_BATCH} channels, or after {@link LINGER_MS}), not one UNSUBSCRIBE per task:
 * a message on it meanwhile is ignored.
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

/** How long after its subscription was confirmed an expected task still waited for is read once. */
const SAFETY_READ_AFTER_MS = 10;

/** Released channels are unsubscribed once this many wait for it … */
const UNSUBSCRIBE_BATCH = 100;

/** … or this long after the first of them was released. */
const LINGER_MS = 1_000;

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
  /** Expected task ids whose SUBSCRIBE is sent and not yet confirmed. */
  private readonly confirming = new Set<string>();
  /** Waited-for expected task ids still owed a safety read → when it is due (clock ms). */
  private readonly safetyReads = new Map<string, number>();
  private cancelSafetyTimer: (() => void) | undefined;
  /** Released ids still subscribed, until the next batch of UNSUBSCRIBE. */
  private readonly lingering = new Set<string>();
  private cancelLingerTimer: (() => void) | undefined;
  private cancelSweep: (() => void) | undefined;
  private scheduled = false;
  private scheduledSoon = false;
  private dropped = false;
  private stopped = false;

  constructor(private readonly options: ResultSubscriberOptions) {
    const { subscriber, keys } = options;
    subscriber.on('message', (channel: string, message: string) => {
      const taskId = keys.taskIdOf(channel);
      if (taskId !== undefined) this.arrived(taskId, message);
    });
    subscriber.on('close', () => {
      this.dropped = true;
      // Nothing is subscribed on the next connection: only watched and expected ids come back.
      for (const taskId of this.lingering) this.subscribed.delete(taskId);
      this.lingering.clear();
    });
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
    // In this microtask run, so the SUBSCRIBE is written before the task's message.
    if (!this.scheduledSoon && !this.stopped) {
      this.scheduledSoon = true;
      queueMicrotask(this.flushSoon);
    }
    this.cancelSweep ??= this.options.setTimer(this.sweep, EXPECT_TTL_MS);
  }

  /** `taskId` gained its first waiter: subscribe (if not already) and read its key once. */
  watch(taskId: string): void {
    const early = this.expected.get(taskId);
    if (early !== undefined) {
      this.expected.delete(taskId);
      if (this.subscribed.has(taskId)) {
        // Subscribed already: the value kept or a message settles the waiter; the safety read
        // covers a result published before the SUBSCRIBE ran. release() unsubscribes as for any
        // watched task.
        if (early.value !== undefined) {
          // Something arrived on the subscription (or was read after a reconnect): it was in
          // effect before the result could be published.
          this.options.onValue(taskId, early.value);
          return;
        }
        if (!this.confirming.has(taskId)) this.oweSafetyRead(taskId, this.options.now());
        else this.safetyReads.set(taskId, Infinity); // due once confirmed
        return;
      }
    }
    if (this.lingering.delete(taskId)) {
      // Still subscribed since an earlier wait: one read covers what was published in between.
      this.toWatch.add(taskId);
      this.schedule();
      return;
    }
    this.toRelease.delete(taskId);
    this.toWatch.add(taskId);
    this.schedule();
  }

  /** `taskId` has no waiter left: unsubscribe soon, in a batch (unless it is watched again meanwhile). */
  release(taskId: string): void {
    this.toWatch.delete(taskId);
    this.safetyReads.delete(taskId);
    if (!this.subscribed.has(taskId)) return;
    this.lingering.add(taskId);
    if (this.lingering.size >= UNSUBSCRIBE_BATCH) {
      this.releaseLingering();
    } else {
      this.cancelLingerTimer ??= this.options.setTimer(() => {
        this.cancelLingerTimer = undefined;
        this.releaseLingering();
      }, LINGER_MS);
    }
  }

  /** Forget all state; later results and reconnects are ignored. */
  stop(): void {
    this.stopped = true;
    this.cancelSweep?.();
    this.cancelSweep = undefined;
    this.cancelSafetyTimer?.();
    this.cancelSafetyTimer = undefined;
    this.cancelLingerTimer?.();
    this.cancelLingerTimer = undefined;
    this.expected.clear();
    this.toExpect.length = 0;
    this.toWatch.clear();
    this.toRelease.clear();
    this.subscribed.clear();
    this.confirming.clear();
    this.safetyReads.clear();
    this.lingering.clear();
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(this.flushScheduled);
  }

  private readonly flushScheduled = (): void => {
    this.scheduled = false;
    this.flush();
  };

  /** Moves the lingering channels to the next UNSUBSCRIBE. */
  private releaseLingering(): void {
    this.cancelLingerTimer?.();
    this.cancelLingerTimer = undefined;
    for (const taskId of this.lingering) this.toRelease.add(taskId);
    this.lingering.clear();
    this.schedule();
  }

  /** `taskId` (expected, now waited for) is read once, {@link SAFETY_READ_AFTER_MS} after `confirmedMs`. */
  private oweSafetyRead(taskId: string, confirmedMs: number): void {
    this.safetyReads.set(taskId, confirmedMs + SAFETY_READ_AFTER_MS);
    this.armSafetyTimer();
  }

  private armSafetyTimer(): void {
    if (this.cancelSafetyTimer !== undefined || this.stopped) return;
    let due = Infinity;
    for (const at of this.safetyReads.values()) if (at < due) due = at;
    if (due === Infinity) return;
    this.cancelSafetyTimer = this.options.setTimer(this.safetyRead, Math.max(0, due - this.options.now()));
  }

  private readonly safetyRead = (): void => {
    this.cancelSafetyTimer = undefined;
    if (this.stopped) return;
    const now = this.options.now();
    const due: string[] = [];
    for (const [taskId, at] of this.safetyReads) {
      if (at > now) continue;
      this.safetyReads.delete(taskId);
      if (this.options.isWatched(taskId)) due.push(taskId);
    }
    if (due.length > 0) void this.subscribeThenCheck([], due);
    this.armSafetyTimer();
  };

  private readonly flushSoon = (): void => {
    this.scheduledSoon = false;
    this.flush();
  };

  private readonly flush = (): void => {
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
    const expecting: string[] = [];
    for (const taskId of this.toExpect) {
      if (!this.expected.has(taskId) || this.subscribed.has(taskId)) continue;
      this.subscribed.add(taskId);
      this.confirming.add(taskId);
      expecting.push(taskId);
    }
    this.toExpect.length = 0;
    for (let i = 0; i < unsubscribe.length; i += CHUNK) {
      // Nothing waits on an unsubscription; a failure leaves a harmless extra channel.
      subscriber.unsubscribe(...unsubscribe.slice(i, i + CHUNK)).catch(ignore);
    }
    if (expecting.length > 0) void this.subscribeExpected(expecting);
    if (check.length > 0) void this.subscribeThenCheck(subscribe, check);
  };

  /** SUBSCRIBE the channels of expected tasks; once confirmed, owe a safety read to those waited for (never rejects). */
  private async subscribeExpected(taskIds: readonly string[]): Promise<void> {
    const { subscriber, keys, onFailure } = this.options;
    try {
      for (let i = 0; i < taskIds.length; i += CHUNK) await subscriber.subscribe(...taskIds.slice(i, i + CHUNK).map((id) => keys.task(id)));
    } catch (error) {
      if (this.stopped) return;
      for (const taskId of taskIds) {
        this.confirming.delete(taskId);
        this.safetyReads.delete(taskId);
        if (this.expected.delete(taskId)) this.subscribed.delete(taskId);
      }
      onFailure(taskIds.filter((taskId) => this.options.isWatched(taskId)), error);
      return;
    }
    if (this.stopped) return;
    const now = this.options.now();
    for (const taskId of taskIds) {
      this.confirming.delete(taskId);
      if (this.safetyReads.has(taskId)) this.oweSafetyRead(taskId, now);
    }
  }

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
