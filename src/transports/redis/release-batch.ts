import type { RedisClient } from '../../connections/redis-connection.js';
import type { RedisPipeline } from '../../connections/redis-script.js';
import type { KeyLayout } from './key-layout.js';
import { releaseHeldScript } from './redis-scripts.js';

/**
 * The arguments of one `release-held.lua` call: held messages to release, each pushed to zero or
 * more lists (see the script's header). Entries are pushed in the order added.
 */
export class ReleaseBatch {
  readonly keys: string[];
  readonly args: string[];
  #entries = 0;

  constructor(
    layout: KeyLayout,
    /** Highest index score released, in unix seconds; undefined = any. */
    maxScoreS: number | undefined,
    /** Release only messages the owner hash gives to this consumer id; '' = any. */
    expectedOwner: string,
  ) {
    this.keys = [layout.unacked, layout.unackedIndex, layout.unackedOwner];
    this.args = [maxScoreS === undefined ? '' : String(maxScoreS), expectedOwner];
  }

  get size(): number {
    return this.#entries;
  }

  /** Release `tag`, pushing `text` onto each of `destinations` (list keys) if it was still held. */
  add(tag: string, text: string, destinations: readonly string[]): void {
    this.#entries++;
    this.args.push(tag, text, String(destinations.length));
    for (const key of destinations) {
      let index = this.keys.indexOf(key, 3);
      if (index === -1) index = this.keys.push(key) - 1;
      this.args.push(String(index + 1));
    }
  }

  /** Runs it; resolves to the number of messages pushed. */
  async run(client: RedisClient): Promise<number> {
    if (this.#entries === 0) return 0;
    return Number(await releaseHeldScript.run(client, this.keys, this.args));
  }

  /** Adds the call to `pipeline` (a pipeline of `client`). */
  queue(client: RedisClient, pipeline: RedisPipeline): void {
    if (this.#entries > 0) releaseHeldScript.queue(client, pipeline, this.keys, this.args);
  }
}
