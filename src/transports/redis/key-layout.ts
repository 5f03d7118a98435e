/**
 * kombu's Redis key layout (celery-protocol.md §3), computed in one place so a Python worker and
 * celeriac name every list, set and hash alike — and celeriac's own additions next to them.
 * Every key carries `global_keyprefix` as kombu's prefixing client adds it (the text *inside*
 * binding members does not).
 */
import type { WireProperties } from '../../protocol/transport-message.js';
import { messagePriority } from '../virtual/message-priority.js';

/** kombu's `PRIORITY_STEPS`. */
export const KOMBU_PRIORITY_STEPS: readonly number[] = Object.freeze([0, 3, 6, 9]);
/** kombu's `Channel.sep`. */
export const KOMBU_SEP = '\x06\x16';

/**
 * celeriac: a field of `celeriac.unacked_owner` that is never deleted, with a value longer than
 * Redis's `hash-max-listpack-value` (64 bytes by default). Redis keeps a hash whose fields and
 * values all fit that limit as a listpack, up to `hash-max-listpack-entries` (512) fields, and
 * there every HSET of a new field scans all fields and every HDEL moves the ones after it: with a
 * prefetch window of hundreds of held messages that cost ~4 µs of Redis time per task (bench W2).
 * One long value turns the hash into a hash table (O(1) per field), and the field that stays keeps
 * the key from emptying and coming back as a listpack. It is no delivery tag, its value no
 * consumer id: what reads the hash by tag or by consumer passes over it.
 */
export const OWNER_HASH_MARKER = Object.freeze({
  field: 'celeriac.hash_table',
  value: 'never deleted: a value this long keeps this hash a hash table (OWNER_HASH_MARKER in key-layout.ts)',
});

export interface KeyLayoutOptions {
  /** kombu `global_keyprefix`; default ''. */
  globalKeyprefix?: string;
  /** kombu `priority_steps`, in the order kombu serves them; default [0, 3, 6, 9]. */
  prioritySteps?: readonly number[];
  /** kombu `sep`; default `\x06\x16`. */
  sep?: string;
}

/** The key names of one Redis transport (one `global_keyprefix`, one set of priority steps). */
export class KeyLayout {
  readonly prefix: string;
  readonly steps: readonly number[];
  readonly sep: string;
  /** kombu's ack emulation hash: delivery tag → JSON `[envelope, exchange, routing_key]`. */
  readonly unacked: string;
  /** kombu's ack emulation index: delivery tag scored by unix time (seconds) of delivery. */
  readonly unackedIndex: string;
  /** kombu's restore lock (`SET NX PX`). */
  readonly unackedMutex: string;
  /** celeriac: delivery tag → id of the celeriac consumer holding it (and {@link OWNER_HASH_MARKER}). */
  readonly unackedOwner: string;
  /** celeriac: consumer id → unix time (seconds) of its last renewal. */
  readonly consumers: string;
  /** celeriac: consumer id → `<process scope> <pid>` of its process (see internal/process-probe.ts). */
  readonly consumerProcesses: string;
  /** celeriac: dead letters, a list of JSON records, oldest first. */
  readonly deadLetters: string;
  /** celeriac: revoked task ids scored by their expiry (ms since the epoch). */
  readonly revoked: string;

  constructor(options: KeyLayoutOptions = {}) {
    this.prefix = options.globalKeyprefix ?? '';
    this.steps = Object.freeze([...(options.prioritySteps ?? KOMBU_PRIORITY_STEPS)]);
    this.sep = options.sep ?? KOMBU_SEP;
    this.unacked = `${this.prefix}unacked`;
    this.unackedIndex = `${this.prefix}unacked_index`;
    this.unackedMutex = `${this.prefix}unacked_mutex`;
    this.unackedOwner = `${this.prefix}celeriac.unacked_owner`;
    this.consumers = `${this.prefix}celeriac.consumers`;
    this.consumerProcesses = `${this.prefix}celeriac.consumer_processes`;
    this.deadLetters = `${this.prefix}celeriac.dead_letters`;
    this.revoked = `${this.prefix}celeriac.revoked`;
  }

  /** celeriac: the token of a global rate limit (a string living until the next token is due). */
  rateToken(key: string): string {
    return `${this.prefix}celeriac.rate_limit.${key}`;
  }

  /**
   * kombu's `Channel.priority(n)`: the largest step ≤ n (`steps[bisect(steps, n) - 1]`, which in
   * Python wraps to the last step when n is below the first).
   */
  step(priority: number): number {
    const steps = this.steps;
    let index = 0;
    while (index < steps.length && steps[index]! <= priority) index++;
    return steps[index === 0 ? steps.length - 1 : index - 1] ?? 0;
  }

  /** kombu's `_q_for_pri`: the list name (without the global prefix) of `queue` at `priority`. */
  listName(queue: string, priority: number): string {
    const step = this.step(priority);
    return step === 0 ? queue : `${queue}${this.sep}${step}`;
  }

  /** The key of the list a message with these properties is pushed to. */
  listKeyFor(queue: string, properties: WireProperties): string {
    return this.prefix + this.listName(queue, messagePriority(properties));
  }

  /** Every list of `queue`, one per step, in step order (sizes, purges). */
  listKeys(queue: string): string[] {
    return this.steps.map((step) => this.prefix + (step === 0 ? queue : `${queue}${this.sep}${step}`));
  }

  /**
   * The list names (without prefix) a consumer of `queues` reads, in kombu's BRPOP order:
   * `[q_for_pri(queue, pri) for pri in steps for queue in queues]`.
   */
  consumeListNames(queues: readonly string[]): string[] {
    const names: string[] = [];
    for (const step of this.steps) {
      for (const queue of queues) names.push(step === 0 ? queue : `${queue}${this.sep}${step}`);
    }
    return names;
  }

  /** The queue a list name belongs to (kombu: `rsplit(sep, 1)[0]`). */
  queueOfList(name: string): string {
    const at = name.lastIndexOf(this.sep);
    return at === -1 ? name : name.slice(0, at);
  }

  /** kombu's binding set of an exchange: `_kombu.binding.<exchange>`. */
  bindingKey(exchange: string): string {
    return `${this.prefix}_kombu.binding.${exchange}`;
  }

  /** A binding member: `routing_key SEP pattern SEP queue`. */
  bindingMember(routingKey: string, pattern: string, queue: string): string {
    return `${routingKey}${this.sep}${pattern}${this.sep}${queue}`;
  }

  /** celeriac: the liveness key of a consumer (expires unless renewed). */
  consumerAlive(consumerId: string): string {
    return `${this.prefix}celeriac.consumer.${consumerId}`;
  }
}
