/**
 * One restore pass over kombu's unacked bookkeeping, run by every consuming Redis transport at
 * its first consume and then periodically, under kombu's `unacked_mutex` so that kombu's and
 * celeriac's restorers never work at once:
 *
 * 1. kombu's `restore_visible`: every message whose `unacked_index` score is older than the
 *    visibility timeout goes back to its queue. celeriac consumers renew the scores of what they
 *    hold, so only messages of dead consumers (celeriac or Python) and of Python workers holding
 *    a message past the timeout qualify — the latter as in Celery.
 * 2. celeriac's dead consumers: a consumer registered in `celeriac.consumers` whose liveness key
 *    has expired died (SIGKILL, OOM, lost host) — and so did one whose process, in the same
 *    process scope as ours (`celeriac.consumer_processes`: same kernel boot and pid namespace),
 *    no longer exists, which a worker starting after a crash sees at once, without waiting for
 *    the liveness key to expire. The messages the owner hash gives a dead consumer go back at
 *    once instead of after the visibility timeout. Only those scored no later than its last
 *    renewal plus the liveness TTL: a message it held that a Python worker restored and took
 *    since (Python does not touch the owner hash) scores later and is left alone.
 *
 * A restored message goes back as kombu restores it (`headers.redelivered` and
 * `delivery_info.redelivered` set, RPUSH so it is taken next) to where its unacked record points:
 * celeriac records the list it took the message from (anonymous exchange, routing key = list
 * name), kombu the message's exchange and routing key, looked up in the binding table. A record
 * that cannot be parsed, or points nowhere, becomes a dead letter (kombu logs and drops it).
 */
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../connections/redis-connection.js';
import type { Clock } from '../../internal/clock.js';
import { processExists, processScope } from '../../internal/process-probe.js';
import type { TransportLogger } from '../transport.js';
import type { BindingTable } from './binding-table.js';
import { deadLetterRecord } from './dead-letter-store.js';
import type { KeyLayout } from './key-layout.js';
import { releaseMutexScript } from './redis-scripts.js';
import { ReleaseBatch } from './release-batch.js';

/** Tags looked up and released per round trip. */
const CHUNK = 200;

export interface UnackedRestorerOptions {
  layout: KeyLayout;
  bindings: BindingTable;
  clock: Clock;
  logger: TransportLogger;
  /** This transport's consumer id (its own messages are never "a dead consumer's"). */
  selfId: string;
  visibilityTimeoutMs: number;
  unackedMutexExpireMs: number;
  unackedRestoreLimit: number | null;
  consumerTtlMs: number;
}

/** What a pass did. */
export interface RestoreOutcome {
  /** False when another restorer held `unacked_mutex`: nothing was looked at. */
  ran: boolean;
  /** Messages pushed back to their queues. */
  restored: number;
  /** Records that could not be restored and became dead letters. */
  deadLettered: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The envelope text kombu's `_do_restore_message` pushes back: `headers.redelivered` and
 * `properties.delivery_info.redelivered` set to true, everything else as stored.
 */
export function restoredEnvelopeText(envelope: Record<string, unknown>): string {
  if (isObject(envelope.headers)) envelope.headers.redelivered = true;
  const properties = envelope.properties;
  if (isObject(properties) && isObject(properties.delivery_info)) properties.delivery_info.redelivered = true;
  return JSON.stringify(envelope);
}

/** True when `owner` (`<scope> <pid>`) names a process of `scope` that no longer exists. */
function processGone(owner: string | undefined, scope: string): boolean {
  if (owner === undefined) return false;
  const space = owner.lastIndexOf(' ');
  const pid = Number(owner.slice(space + 1));
  return owner.slice(0, space) === scope && Number.isSafeInteger(pid) && pid > 0 && !processExists(pid);
}

export class UnackedRestorer {
  constructor(private readonly options: UnackedRestorerOptions) {}

  /** One pass (module comment). Redis errors propagate; the mutex is released in any case. */
  async run(client: RedisClient): Promise<RestoreOutcome> {
    const { layout, clock, unackedMutexExpireMs } = this.options;
    // The holder's id in the token lets others free the lock of a consumer that died holding it
    // (kombu's token is a bare uuid and its lock lives until unacked_mutex_expire, 5 minutes).
    const token = `celeriac:${this.options.selfId}:${randomUUID()}`;
    const lock = (): Promise<string | null> => client.set(layout.unackedMutex, token, 'PX', Math.ceil(unackedMutexExpireMs), 'NX');
    let locked = await lock();
    if (locked !== 'OK' && (await this.#freeDeadHoldersLock(client))) locked = await lock();
    if (locked !== 'OK') return { ran: false, restored: 0, deadLettered: 0 };
    const outcome: RestoreOutcome = { ran: true, restored: 0, deadLettered: 0 };
    try {
      const ceilingS = (clock.now() - this.options.visibilityTimeoutMs) / 1000;
      const limit = this.options.unackedRestoreLimit;
      const expired =
        limit === null
          ? await client.zrevrangebyscore(layout.unackedIndex, ceilingS, 0)
          : await client.zrevrangebyscore(layout.unackedIndex, ceilingS, 0, 'LIMIT', 0, limit);
      await this.#restoreTags(client, expired, ceilingS, '', outcome);
      await this.#restoreDeadConsumers(client, outcome);
    } finally {
      await releaseMutexScript.run(client, [layout.unackedMutex], [token]);
    }
    return outcome;
  }

  /** Deletes `unacked_mutex` when a registered celeriac consumer that is dead holds it. */
  async #freeDeadHoldersLock(client: RedisClient): Promise<boolean> {
    const { layout, selfId } = this.options;
    const holder = await client.get(layout.unackedMutex);
    const id = holder === null ? undefined : /^celeriac:([^:]+):/.exec(holder)?.[1];
    if (holder === null || id === undefined || id === selfId) return false;
    const [registered, process] = await Promise.all([client.hexists(layout.consumers, id), client.hget(layout.consumerProcesses, id)]);
    if (registered === 0) return false;
    const dead = await this.#deadConsumers(client, [id], process === null ? {} : { [id]: process });
    if (dead.size === 0) return false;
    this.options.logger.warn(`redis transport: freeing unacked_mutex, held by consumer ${id}, which is dead`);
    return Number(await releaseMutexScript.run(client, [layout.unackedMutex], [holder])) === 1;
  }

  async #restoreDeadConsumers(client: RedisClient, outcome: RestoreOutcome): Promise<void> {
    const { layout, consumerTtlMs } = this.options;
    const [registry, processes] = await Promise.all([client.hgetall(layout.consumers), client.hgetall(layout.consumerProcesses)]);
    const dead = await this.#deadConsumers(client, Object.keys(registry), processes);
    if (dead.size === 0) return;
    let cursor = '0';
    do {
      const [next, fields] = await client.hscan(layout.unackedOwner, cursor, 'COUNT', 1000);
      cursor = next;
      for (let i = 0; i + 1 < fields.length; i += 2) dead.get(fields[i + 1]!)?.push(fields[i]!);
    } while (cursor !== '0');
    for (const [id, tags] of dead) {
      const lastRenewalS = Number(registry[id]);
      const boundS = (Number.isFinite(lastRenewalS) ? lastRenewalS : 0) + consumerTtlMs / 1000;
      await this.#restoreTags(client, tags, boundS, id, outcome);
      await client.pipeline().hdel(layout.consumers, id).hdel(layout.consumerProcesses, id).del(layout.consumerAlive(id)).exec();
    }
  }

  /** Registered consumers that died: liveness key expired, or process gone from our scope. */
  async #deadConsumers(client: RedisClient, registered: string[], processes: Record<string, string>): Promise<Map<string, string[]>> {
    const { layout, selfId } = this.options;
    const ids = registered.filter((id) => id !== selfId);
    const dead = new Map<string, string[]>();
    if (ids.length === 0) return dead;
    const pipeline = client.pipeline();
    for (const id of ids) pipeline.exists(layout.consumerAlive(id));
    const alive = (await pipeline.exec()) ?? [];
    const scope = processScope();
    ids.forEach((id, i) => {
      const [error, exists] = alive[i] ?? [null, 1];
      if ((error === null && Number(exists) === 0) || (scope !== null && processGone(processes[id], scope))) dead.set(id, []);
    });
    return dead;
  }

  /** Restores `tags` whose score is ≤ `maxScoreS` (and owner is `owner`, unless ''). */
  async #restoreTags(client: RedisClient, tags: readonly string[], maxScoreS: number, owner: string, outcome: RestoreOutcome): Promise<void> {
    const { layout } = this.options;
    for (let start = 0; start < tags.length; start += CHUNK) {
      const chunk = tags.slice(start, start + CHUNK);
      const values = await client.hmget(layout.unacked, ...chunk);
      const restore = new ReleaseBatch(layout, maxScoreS, owner);
      const bury = new ReleaseBatch(layout, maxScoreS, owner);
      for (let i = 0; i < chunk.length; i++) {
        const tag = chunk[i]!;
        const value = values[i];
        if (value === null || value === undefined) {
          restore.add(tag, '', []); // a dangling index or owner entry: forget it
          continue;
        }
        const target = await this.#target(client, value);
        if ('reason' in target) {
          const record = deadLetterRecord(target.envelope, target.queue, target.reason, this.options.clock.now());
          bury.add(tag, record, [layout.deadLetters]);
        } else {
          restore.add(tag, target.text, target.lists);
        }
      }
      outcome.restored += await restore.run(client);
      const buried = await bury.run(client);
      outcome.deadLettered += buried;
      if (buried > 0) {
        this.options.logger.warn(`redis transport: ${buried} unacked record(s) could not be restored and became dead letters`);
      }
    }
  }

  /** Where an unacked record's message goes back to, and as what — or why it cannot. */
  async #target(
    client: RedisClient,
    value: string,
  ): Promise<{ text: string; lists: string[] } | { reason: string; envelope: string; queue: string }> {
    let record: unknown;
    try {
      record = JSON.parse(value);
    } catch {
      return { reason: 'unacked record is not JSON', envelope: value, queue: '' };
    }
    if (!Array.isArray(record) || !isObject(record[0])) {
      return { reason: 'unacked record is not [envelope, exchange, routing_key]', envelope: value, queue: '' };
    }
    const [envelope, exchange, routingKey] = record as [Record<string, unknown>, unknown, unknown];
    const ex = typeof exchange === 'string' ? exchange : '';
    const rk = typeof routingKey === 'string' ? routingKey : '';
    const { layout } = this.options;
    let lists: string[];
    if (ex === '') {
      // kombu's anonymous exchange: the routing key names the list (celeriac records the exact
      // list, priority step included; Python records the queue name).
      if (rk === '') return { reason: 'unacked record has neither exchange nor routing key', envelope: JSON.stringify(envelope), queue: '' };
      lists = [layout.prefix + rk];
    } else {
      const properties = isObject(envelope.properties) ? envelope.properties : {};
      const queues = await this.options.bindings.lookup(client, ex, rk);
      if (queues.length === 0) {
        const reason = `restore: no queue is bound to exchange '${ex}' with routing key '${rk}'`;
        return { reason, envelope: JSON.stringify(envelope), queue: rk };
      }
      lists = queues.map((queue) => layout.listKeyFor(queue, properties));
    }
    return { text: restoredEnvelopeText(envelope), lists };
  }
}
