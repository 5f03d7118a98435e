/**
 * A Lua script run on Redis with EVALSHA (ioredis's `defineCommand`): the source crosses the wire
 * once per connection, and again only when Redis answers NOSCRIPT (after a restart or
 * `SCRIPT FLUSH`). Scripts are `.lua` files whose header lists KEYS, ARGV and the reply (DESIGN.md
 * convention 10).
 */
import { readFileSync } from 'node:fs';
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './redis-connection.js';

/** A pipeline of an ioredis client (`client.pipeline()`). */
export type RedisPipeline = ChainableCommander;

type ScriptCall = (numberOfKeys: number, ...keysAndArgs: (string | number)[]) => unknown;

export class RedisScript {
  readonly #name: string;
  readonly #lua: string;

  /** @param name a command name unique among the scripts of one client (e.g. `celeriacPopAndHold`) */
  constructor(name: string, lua: string) {
    this.#name = name;
    this.#lua = lua;
  }

  /** The script of `file` (a URL, usually `new URL('./x.lua', import.meta.url)`). */
  static fromFile(name: string, file: URL): RedisScript {
    return new RedisScript(name, readFileSync(file, 'utf8'));
  }

  /** Makes it known to `client` and to the pipelines created from it afterwards. Idempotent. */
  define(client: RedisClient): void {
    if ((client as unknown as Record<string, unknown>)[this.#name] === undefined) {
      client.defineCommand(this.#name, { lua: this.#lua });
    }
  }

  /** Runs it on `client` (defining it there first if needed). */
  run(client: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    return this.#call(client, client, keys, args) as Promise<unknown>;
  }

  /** Adds a run to `pipeline`, a pipeline of `client`; its reply comes with the pipeline's. */
  queue(client: RedisClient, pipeline: RedisPipeline, keys: readonly string[], args: readonly (string | number)[]): void {
    this.#call(client, pipeline, keys, args);
  }

  #call(client: RedisClient, target: object, keys: readonly string[], args: readonly (string | number)[]): unknown {
    this.define(client);
    const method = (target as Record<string, ScriptCall | undefined>)[this.#name];
    if (method === undefined) {
      // A pipeline made before the script was defined on its client does not know it.
      throw new Error(`script ${this.#name}: define() it on the client before creating the pipeline`);
    }
    return method.call(target, keys.length, ...keys, ...args);
  }
}
