/**
 * Dependencies a worker may never use (better-sqlite3 for the embedded broker, yaml for a YAML
 * settings file, msgpackr for the msgpack serializer) are loaded on first use rather than at
 * import: a Redis worker with JSON messages then never pays for them (their code, and
 * better-sqlite3's native addon: some 6 MiB of worker RSS together, measured with the compiled
 * worker idle on Redis).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A function returning the CommonJS module `id`, required on its first call. */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(id) as T);
}
