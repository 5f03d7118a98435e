/**
 * One `consume()` of the Redis transport: a dedicated connection that fetches for one QoS
 * window. The loop, per round trip:
 *
 * - while messages are ready and prefetch slots are free, `pop-and-hold.lua` takes up to
 *   min(free slots, fetchBatchMax) of them in kombu's order (priority step first, then the queues
 *   round-robin) and records each as held (kombu's `unacked` + `unacked_index`, celeriac's owner)
 *   atomically with the pop;
 * - when none are ready, `BRPOP <kombu's keys> <timeout>` waits, and the message it returns is held
 *   by the next `pop-and-hold.lua` call, together with whatever else became ready. (Only this path
 *   keeps kombu's window between pop and hold, for the one message BRPOP returns.) That message is
 *   handed out at once, before the hold is sent — an idle worker starts it one round trip
 *   sooner — and its settling waits for the hold, so an ack never reaches Redis before it. If it
 *   was acked while handed out (early ack of a task that started at once), it is not held at all
 *   (`pending-hold.ts`): the call only holds whatever else is ready.
 *
 * So a busy consumer makes one round trip per batch, an idle one blocks without polling. The
 * BRPOP timeout is the connection's liveness tick: a reply (at worst nil) arrives every timeout,
 * so a connection that stays silent past it plus a grace is dead and is replaced (ioredis
 * `socketTimeout`), and the loop resumes after the reconnect — never Celery #8030's silent stall.
 * A `pop-and-hold.lua` call whose reply was lost may have held messages all the same: the loop
 * reclaims and delivers them before it fetches again (`lost-fetches.ts`).
 */
import type { RedisClient } from '../../connections/redis-connection.js';
import type { TransportLogger } from '../transport.js';
import type { QosConsumer } from '../virtual/qos-consumer.js';
import type { KeyLayout } from './key-layout.js';
import { LostFetches } from './lost-fetches.js';
import { PendingHold } from './pending-hold.js';
import { popAndHoldScript } from './redis-scripts.js';

/** A message `pop-and-hold.lua` returned. */
export interface PoppedMessage {
  /** The list it came from, with the global prefix. */
  listKey: string;
  /** Its queue (the list name without priority suffix). */
  queue: string;
  /** The envelope text. */
  payload: string;
  /** kombu's delivery tag; '' when the text is not JSON and was not held. */
  tag: string;
  /**
   * Set when the message is handed out before it is held (the one BRPOP returned): its settles
   * wait for the hold, and an ack made while it is handed out replaces the hold.
   */
  hold?: PendingHold;
}

/** What the consumer needs from its transport. */
export interface RedisConsumerHost {
  readonly layout: KeyLayout;
  readonly selfId: string;
  readonly fetchBatchMax: number;
  readonly brpopTimeoutMs: number;
  readonly rotate: boolean;
  readonly logger: TransportLogger;
  /** The score the next `pop-and-hold.lua` call records (unique within the transport, see `FetchScores`). */
  fetchScore(): string;
  /** Hands fetched messages over (the consumer may have been stopped meanwhile). */
  deliver(consumer: RedisConsumer, popped: PoppedMessage[]): void;
  /** Puts back a message BRPOP took that will not be delivered (the consumer stopped). */
  putBack(listKey: string, payload: string): void;
  /** A fetch failed; resolves when the loop may try again (after a reconnect, or a pause). */
  recover(consumer: RedisConsumer, error: unknown): Promise<void>;
}

export class RedisConsumer {
  /** Queue names in the order the next fetch tries them (rotated by round-robin). */
  #cycle: string[];
  #listKeys: string[] = [];
  /** The list names as JSON strings (pop-and-hold.lua records them as routing keys). */
  #listNamesJson: string[] = [];
  #loop: Promise<void> | undefined;
  #slotWaiter: (() => void) | undefined;
  #inBrpop = false;
  #clientId: string | undefined;
  /** Fetches whose reply was lost: what they held is reclaimed before the next fetch. */
  readonly #lost: LostFetches;
  #markStopped!: () => void;
  /** Settles when stop() is called: a loop waiting to recover gives up waiting. */
  readonly stopped = new Promise<void>((resolve) => (this.#markStopped = resolve));

  constructor(
    private readonly host: RedisConsumerHost,
    readonly qos: QosConsumer<string>,
    readonly blocking: RedisClient,
  ) {
    this.#cycle = [...qos.queues];
    this.#layoutKeys();
    this.#lost = new LostFetches(host.selfId, host.logger);
  }

  /** Connects the blocking connection; resolves when the loop has started. */
  async start(): Promise<void> {
    await this.blocking.connect();
    await this.#fetchClientId();
    this.blocking.on('ready', () => void this.#fetchClientId().catch(() => undefined));
    this.#loop = this.#run();
  }

  /** A prefetch slot was freed (ack, reject). */
  slotFreed(): void {
    const waiter = this.#slotWaiter;
    if (waiter !== undefined) {
      this.#slotWaiter = undefined;
      waiter();
    }
  }

  /**
   * Ends the loop: a pending BRPOP is cut short with `CLIENT UNBLOCK` sent on `commands` (it
   * returns nil, so no message is taken), a fetch in flight completes and is given back. Resolves
   * when the loop has ended; the blocking connection is closed.
   */
  async stop(commands: RedisClient | undefined): Promise<void> {
    this.qos.deactivate();
    this.#markStopped();
    this.slotFreed();
    // The BRPOP may not have reached Redis yet when the first UNBLOCK does (two connections):
    // try a few turns before leaving it to the BRPOP timeout.
    for (let attempt = 0; attempt < 20 && this.#inBrpop && this.#clientId !== undefined && commands !== undefined; attempt++) {
      const unblocked = await commands.client('UNBLOCK', this.#clientId).catch(() => 0);
      if (Number(unblocked) === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await this.#loop;
    this.blocking.disconnect();
  }

  async #fetchClientId(): Promise<void> {
    this.#clientId = String(await this.blocking.client('ID'));
  }

  #layoutKeys(): void {
    const { layout } = this.host;
    const names = layout.consumeListNames(this.#cycle);
    this.#listNamesJson = names.map((name) => JSON.stringify(name));
    this.#listKeys = names.map((name) => layout.prefix + name);
  }

  /** kombu's round_robin_cycle.rotate: the queue that delivered goes to the end. */
  #rotate(queue: string): void {
    const cycle = this.#cycle;
    if (!this.host.rotate || cycle.length < 2 || cycle[cycle.length - 1] === queue) return;
    const at = cycle.indexOf(queue);
    if (at === -1) return;
    cycle.splice(at, 1);
    cycle.push(queue);
    this.#layoutKeys();
  }

  /** How many to ask for with `free` slots: at most half the window, so two fetches overlap. */
  #batchSize(free: number): number {
    const { prefetch } = this.qos;
    const half = prefetch === 0 ? Infinity : Math.max(1, Math.ceil(prefetch / 2));
    return Math.max(0, Math.min(free, this.host.fetchBatchMax, half));
  }

  async #run(): Promise<void> {
    const qos = this.qos;
    let taken: { listKey: string; payload: string } | undefined;
    // A fetch sent before the previous batch was handed out, so that Redis works on the next
    // batch while this process works on the current one.
    let ahead: { want: number; reply: Promise<PoppedMessage[]> } | undefined;
    // The hold after the last BRPOP asked for more and found nothing else ready: the next round
    // blocks at once instead of asking again (an idle worker's task costs one script call less).
    let foundEmpty = false;
    while (qos.active) {
      const free = qos.freeSlots;
      if (free <= 0 && taken === undefined && ahead === undefined && !this.#lost.pending) {
        await new Promise<void>((resolve) => (this.#slotWaiter = resolve));
        continue;
      }
      try {
        if (this.#lost.pending && ahead === undefined) {
          // A fetch failed: deliver what it held (room was made for it) before taking more.
          const reclaimed = await this.#reclaim();
          if (taken !== undefined && reclaimed.some((message) => message.payload === taken?.payload)) taken = undefined;
          this.host.deliver(this, reclaimed);
          continue;
        }
        if (taken === undefined) {
          let want: number;
          let popped: PoppedMessage[];
          if (ahead !== undefined) {
            want = ahead.want;
            const reply = ahead.reply;
            ahead = undefined;
            popped = await reply;
          } else if (foundEmpty) {
            foundEmpty = false;
            want = 0;
            popped = [];
          } else {
            want = this.#batchSize(free);
            popped = await this.#popAndHold(want, undefined);
          }
          if (popped.length > 0) {
            const next = this.#batchSize(qos.freeSlots - popped.length);
            if (popped.length === want && next > 0 && qos.active) ahead = { want: next, reply: this.#popAndHold(next, undefined) };
            this.host.deliver(this, popped);
            continue;
          }
          if (!qos.active) break;
          this.#inBrpop = true;
          const reply = await this.blocking.brpop(...this.#listKeys, this.host.brpopTimeoutMs / 1000);
          this.#inBrpop = false;
          if (reply === null) continue; // the liveness tick
          const [listKey, payload] = reply;
          if (!qos.active) {
            this.host.putBack(listKey, payload);
            break;
          }
          const queue = this.host.layout.queueOfList(listKey.slice(this.host.layout.prefix.length));
          this.#rotate(queue);
          taken = { listKey, payload };
          const tag = quickDeliveryTag(payload);
          if (tag !== undefined) {
            const hold = new PendingHold();
            this.host.deliver(this, [{ listKey, queue, payload, tag, hold }]);
            const early = taken;
            taken = undefined; // delivered: never put back, nor held again after a failure
            try {
              // Acked while handed out (the task started at once): hold only what else is ready.
              const holdEarly = hold.send();
              const more = this.#batchSize(qos.freeSlots);
              if (!holdEarly && more === 0) continue;
              // Nothing to hold: one EXISTS tells whether anything else is ready, for a tenth of
              // what Redis spends on a pop-and-hold.lua call that finds nothing (an idle worker).
              if (!holdEarly && Number(await this.blocking.exists(...this.#listKeys)) === 0) {
                foundEmpty = true;
                continue;
              }
              const popped = await this.#popAndHold(holdEarly ? more + 1 : more, holdEarly ? early : undefined, holdEarly ? tag : undefined);
              const others = holdEarly ? popped.slice(1) : popped;
              foundEmpty = more > 0 && others.length === 0;
              this.host.deliver(this, others);
            } finally {
              hold.done();
            }
            continue;
          }
        }
        const popped = await this.#popAndHold(Math.max(1, this.#batchSize(qos.freeSlots)), taken);
        taken = undefined;
        this.host.deliver(this, popped);
      } catch (error) {
        this.#inBrpop = false;
        if (!qos.active) break; // stopping: `taken` is dealt with below
        // `taken` stays: if the failed call held it, the reclaim delivers it; if not, the next
        // round holds it.
        await this.host.recover(this, error);
      }
    }
    if (ahead !== undefined) {
      // Held by a fetch that was already on its way: hand it to deliver(), which gives it back.
      const popped = await ahead.reply.catch(() => []);
      if (popped.length > 0) this.host.deliver(this, popped);
    }
    if (this.#lost.pending) {
      // Held by fetches whose reply was lost: deliver() gives them back too.
      const reclaimed = await this.#reclaim().catch(() => []);
      if (taken !== undefined && reclaimed.some((message) => message.payload === taken?.payload)) taken = undefined;
      if (reclaimed.length > 0) this.host.deliver(this, reclaimed);
    }
    // A message BRPOP took but nobody held goes back where it was.
    if (taken !== undefined) this.host.putBack(taken.listKey, taken.payload);
  }

  #reclaim(): Promise<PoppedMessage[]> {
    return this.#lost.reclaim(this.blocking, { layout: this.host.layout, namesJson: this.#listNamesJson });
  }

  /** One `pop-and-hold.lua` call; `handedOut` is the tag of `taken` when it was handed out already. */
  async #popAndHold(
    want: number,
    taken: { listKey: string; payload: string } | undefined,
    handedOut?: string,
  ): Promise<PoppedMessage[]> {
    const { layout } = this.host;
    const keys = [layout.unacked, layout.unackedIndex, layout.unackedOwner, ...this.#listKeys];
    const position = taken === undefined ? 0 : this.#listKeys.indexOf(taken.listKey) + 1;
    const score = this.host.fetchScore();
    const args: (string | number)[] = [
      score,
      want,
      this.#cycle.length,
      this.host.selfId,
      this.host.rotate ? '1' : '0',
      taken?.payload ?? '',
      position,
      ...this.#listNamesJson,
    ];
    this.#lost.sent(score, handedOut);
    let reply: (number | string)[];
    try {
      reply = (await popAndHoldScript.run(this.blocking, keys, args)) as (number | string)[];
    } catch (error) {
      this.#lost.failed(score, error);
      throw error;
    }
    this.#lost.answered(score);
    const listKeys = this.#listKeys;
    const popped: PoppedMessage[] = [];
    for (let i = 0; i + 2 < reply.length; i += 3) {
      const listKey = listKeys[Number(reply[i]) - 1] ?? '';
      const queue = layout.queueOfList(listKey.slice(layout.prefix.length));
      popped.push({ listKey, queue, payload: String(reply[i + 1]), tag: String(reply[i + 2]) });
    }
    // Emptied once read: ioredis keeps the reply array reachable after the call returns, so every
    // message text in it would otherwise outlive its task and be promoted to the old generation
    // (about 800 bytes a task in the drain; see entry-list.ts for the cost of that).
    reply.length = 0;
    // Replay the script's round-robin on our cycle (the message BRPOP took was rotated already).
    for (let i = taken === undefined ? 0 : 1; i < popped.length; i++) this.#rotate(popped[i]!.queue);
    return popped;
  }
}

const TAG_KEY = '"delivery_tag":';

/**
 * The delivery tag `pop-and-hold.lua` will record for `payload`, found as its fast path finds it
 * (the tag kombu and celeriac write last, unescaped); undefined when that path would not find it.
 */
function quickDeliveryTag(payload: string): string | undefined {
  const at = payload.indexOf(TAG_KEY, Math.max(0, payload.length - 128));
  if (at === -1) return undefined;
  const open = payload.indexOf('"', at + TAG_KEY.length);
  if (open === -1 || open - at > 16) return undefined;
  const close = payload.indexOf('"', open + 1);
  if (close <= open + 1 || payload.includes('\\', open + 1)) return undefined;
  return payload.slice(open + 1, close);
}
