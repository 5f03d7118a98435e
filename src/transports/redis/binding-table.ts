/**
 * kombu's exchange table on Redis: the `_kombu.binding.<exchange>` sets whose members are
 * `routing_key SEP pattern SEP queue` (celery-protocol.md §3.3). Python producers and workers
 * write them too, so lookups read Redis, with a short cache because a task producer publishes to
 * the same few exchanges thousands of times a second.
 */
import type { RedisClient } from '../../connections/redis-connection.js';
import { compileTopicPattern } from '../virtual/topic-pattern.js';
import type { KeyLayout } from './key-layout.js';

/** One binding: a queue bound to an exchange with a routing key (and, for topic, kombu's regex). */
export interface Binding {
  routingKey: string;
  /** kombu's regex for topic bindings (`^math\..*?$`); '' for direct ones. */
  pattern: string;
  queue: string;
}

interface CachedTable {
  bindings: Binding[];
  /** Topic patterns compiled once (null: not valid JavaScript regex syntax, never matches). */
  regexes: (RegExp | null)[];
  loadedAtMs: number;
}

/**
 * Resolves (exchange, routing key) to queues as kombu's `_lookup` does for the exchange types a
 * binding set can tell apart: a member with a pattern is a topic binding (its regex must match
 * the routing key), one without is direct (equal keys). Fanout exchanges do not use lists on
 * Redis (they PUBLISH), so they never reach this table.
 */
export class BindingTable {
  readonly #cache = new Map<string, CachedTable>();
  readonly #loading = new Map<string, Promise<CachedTable>>();

  constructor(
    private readonly layout: KeyLayout,
    /** How long a non-empty table is trusted before Redis is read again. */
    private readonly cacheMs: number,
    private readonly now: () => number,
  ) {}

  /** Parses a member; undefined for text without two separators. */
  parseMember(member: string): Binding | undefined {
    const { sep } = this.layout;
    const first = member.indexOf(sep);
    if (first === -1) return undefined;
    const second = member.indexOf(sep, first + sep.length);
    if (second === -1) return undefined;
    return {
      routingKey: member.slice(0, first),
      pattern: member.slice(first + sep.length, second),
      queue: member.slice(second + sep.length),
    };
  }

  /**
   * `SADD` of a binding (kombu `_queue_bind`), remembered locally at once; `pattern` is kombu's
   * regex for a topic binding (`topic-pattern.ts`), '' for direct and fanout ones.
   */
  async bind(client: RedisClient, exchange: string, routingKey: string, queue: string, pattern = ''): Promise<void> {
    await client.sadd(this.layout.bindingKey(exchange), this.layout.bindingMember(routingKey, pattern, queue));
    const cached = this.#cache.get(exchange);
    if (cached !== undefined && !cached.bindings.some((b) => b.queue === queue && b.routingKey === routingKey && b.pattern === pattern)) {
      cached.bindings.push({ routingKey, pattern, queue });
      cached.regexes.push(compile(pattern));
    }
  }

  /**
   * The queues a message to `exchange` with `routingKey` goes to (each once). An empty result is
   * never cached: a worker may declare its queue any moment.
   */
  async lookup(client: RedisClient, exchange: string, routingKey: string): Promise<string[]> {
    const cached = this.#cache.get(exchange);
    if (cached !== undefined && this.now() - cached.loadedAtMs <= this.cacheMs) {
      const queues = match(cached, routingKey);
      if (queues.length > 0) return queues;
    }
    return match(await this.#load(client, exchange), routingKey);
  }

  /** Forget cached tables (after a reconnect the server may have been replaced). */
  clear(): void {
    this.#cache.clear();
  }

  #load(client: RedisClient, exchange: string): Promise<CachedTable> {
    let loading = this.#loading.get(exchange);
    if (loading === undefined) {
      loading = client.smembers(this.layout.bindingKey(exchange)).then(
        (members) => {
          this.#loading.delete(exchange);
          const bindings: Binding[] = [];
          for (const member of members) {
            const binding = this.parseMember(member);
            if (binding !== undefined) bindings.push(binding);
          }
          const table: CachedTable = { bindings, regexes: bindings.map((b) => compile(b.pattern)), loadedAtMs: this.now() };
          if (bindings.length > 0) this.#cache.set(exchange, table);
          else this.#cache.delete(exchange);
          return table;
        },
        (error: unknown) => {
          this.#loading.delete(exchange);
          throw error;
        },
      );
      this.#loading.set(exchange, loading);
    }
    return loading;
  }
}

/** A binding's compiled pattern; null for direct bindings (no pattern) and invalid ones. */
function compile(pattern: string): RegExp | null {
  return pattern === '' ? null : compileTopicPattern(pattern);
}

function match(table: CachedTable, routingKey: string): string[] {
  const queues: string[] = [];
  const { bindings, regexes } = table;
  for (let i = 0; i < bindings.length; i++) {
    const binding = bindings[i]!;
    const matches = binding.pattern === '' ? binding.routingKey === routingKey : (regexes[i]?.test(routingKey) ?? false);
    if (matches && !queues.includes(binding.queue)) queues.push(binding.queue);
  }
  return queues;
}
