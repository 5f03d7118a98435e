/**
 * Keeps what a celeriac consumer holds from being restored while it lives — the fix for ETA
 * tasks running twice (kombu#337): kombu's `restore_visible` restores any message whose
 * `unacked_index` score is older than the visibility timeout, and Celery holds ETA tasks unacked
 * until they run. Every renewal moves the score of each held message to now
 * (`ZADD unacked_index XX`, one command per 1,000 tags), so no restorer — kombu's or celeriac's —
 * ever finds them old; a dead consumer stops renewing, and its messages come back after the
 * timeout like any Python worker's.
 *
 * The same tick refreshes this consumer's liveness key `celeriac.consumer.<id>` (a short TTL),
 * its entry in `celeriac.consumers` (id → time of the renewal) and in
 * `celeriac.consumer_processes` (id → process scope and pid), which let other celeriac consumers
 * tell that it died and restore its messages at once (see `unacked-restorer.ts`); and it puts
 * back `OWNER_HASH_MARKER` in case the owner hash was deleted (it is written before the first
 * message is held, at registration).
 */
import type { RedisClient } from '../../connections/redis-connection.js';
import type { Clock } from '../../internal/clock.js';
import { processScope } from '../../internal/process-probe.js';
import type { TransportLogger } from '../transport.js';
import { OWNER_HASH_MARKER, type KeyLayout } from './key-layout.js';

/** Tags per ZADD (2 arguments each). */
const ZADD_CHUNK = 1_000;

/** `<scope> <pid>` of this process, or null where pids cannot be probed reliably. */
export function consumerProcess(): string | null {
  const scope = processScope();
  return scope === null ? null : `${scope} ${process.pid}`;
}

export interface VisibilityRenewerOptions {
  layout: KeyLayout;
  clock: Clock;
  logger: TransportLogger;
  selfId: string;
  renewIntervalMs: number;
  consumerTtlMs: number;
  /** The delivery tags this transport holds now. */
  heldTags: () => Iterable<string>;
  /** The command connection, when it is up. */
  client: () => RedisClient | undefined;
}

export class VisibilityRenewer {
  #cancel: (() => void) | undefined;
  #registered = false;
  #failing = false;

  constructor(private readonly options: VisibilityRenewerOptions) {}

  get registered(): boolean {
    return this.#registered;
  }

  /** Announces this consumer (liveness key and registry entry) and starts renewing. Idempotent. */
  async register(client: RedisClient): Promise<void> {
    if (this.#registered) return;
    await this.#renew(client);
    this.#registered = true;
    this.#schedule();
  }

  /** Stops renewing and removes this consumer's liveness key and registry entry. */
  async unregister(client: RedisClient | undefined): Promise<void> {
    this.stop();
    if (!this.#registered) return;
    this.#registered = false;
    const { layout, selfId } = this.options;
    await client
      ?.pipeline()
      .del(layout.consumerAlive(selfId))
      .hdel(layout.consumers, selfId)
      .hdel(layout.consumerProcesses, selfId)
      .exec();
  }

  /** Stops the timer (the registry entry stays: as if this process had died). */
  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
  }

  /** Renews now (after a reconnect, so the liveness key never lapses for longer than the outage). */
  renewNow(): void {
    const client = this.options.client();
    if (client !== undefined && this.#registered) void this.#tick(client);
  }

  #schedule(): void {
    this.#cancel = this.options.clock.setTimer(() => {
      const client = this.options.client();
      const done = client === undefined ? Promise.resolve() : this.#tick(client);
      void done.finally(() => {
        if (this.#registered && this.#cancel !== undefined) this.#schedule();
      });
    }, this.options.renewIntervalMs);
  }

  async #tick(client: RedisClient): Promise<void> {
    try {
      await this.#renew(client);
      if (this.#failing) this.options.logger.warn('redis transport: renewing held messages works again');
      this.#failing = false;
    } catch (error) {
      if (!this.#failing) {
        this.options.logger.warn(
          `redis transport: renewing held messages failed (${error instanceof Error ? error.message : String(error)}); ` +
            'retrying every renewal interval',
        );
      }
      this.#failing = true;
    }
  }

  async #renew(client: RedisClient): Promise<void> {
    const { layout, selfId, clock, consumerTtlMs } = this.options;
    const nowS = String(clock.now() / 1000);
    const pipeline = client.pipeline();
    pipeline.set(layout.consumerAlive(selfId), nowS, 'PX', Math.ceil(consumerTtlMs));
    pipeline.hset(layout.consumers, selfId, nowS);
    const owner = consumerProcess();
    if (owner !== null) pipeline.hset(layout.consumerProcesses, selfId, owner);
    pipeline.hsetnx(layout.unackedOwner, OWNER_HASH_MARKER.field, OWNER_HASH_MARKER.value);
    let args: string[] = [];
    for (const tag of this.options.heldTags()) {
      args.push(nowS, tag);
      if (args.length >= 2 * ZADD_CHUNK) {
        pipeline.zadd(layout.unackedIndex, 'XX', ...args);
        args = [];
      }
    }
    if (args.length > 0) pipeline.zadd(layout.unackedIndex, 'XX', ...args);
    const replies = (await pipeline.exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
  }
}
