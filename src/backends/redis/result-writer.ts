/**
 * Batches result writes: everything stored during one event-loop turn goes to Redis as a few
 * `store-results.lua` calls (one per {@link ResultWriterLimits} chunk), sent back to back on one
 * connection, instead of a round trip per result. Each `write()` promise settles when the call
 * holding it returns.
 */

/** Stores `values[i]` under `keys[i]` for each i, in one Redis call. */
export type StoreBatch = (keys: readonly string[], values: readonly string[]) => Promise<unknown>;

export interface ResultWriterLimits {
  /** Most results in one script call (Redis runs a call atomically, blocking other clients). */
  maxBatchSize: number;
  /** A call is closed once its values reach this many UTF-16 code units (≈ bytes for JSON). */
  maxBatchChars: number;
}

interface Batch {
  keys: string[];
  values: string[];
  chars: number;
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const ignore = (): void => {};

export class ResultWriter {
  private readonly queued: Batch[] = [];
  /** The newest batch sent; calls on one connection complete in order, so it settles last. */
  private lastSent: Promise<void> | undefined;
  private scheduled = false;

  constructor(
    private readonly store: StoreBatch,
    private readonly limits: ResultWriterLimits,
  ) {}

  /** Queue `value` for `key`; the promise settles when Redis has run the call that holds it. */
  write(key: string, value: string): Promise<void> {
    let batch = this.queued[this.queued.length - 1];
    if (batch === undefined || batch.keys.length >= this.limits.maxBatchSize || batch.chars >= this.limits.maxBatchChars) {
      batch = newBatch();
      this.queued.push(batch);
    }
    batch.keys.push(key);
    batch.values.push(value);
    batch.chars += value.length;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
    return batch.promise;
  }

  /**
   * Send everything queued now. A command sent afterwards on the same connection (a GET, a DEL)
   * is run by Redis after these writes.
   */
  readonly flush = (): void => {
    this.scheduled = false;
    for (const batch of this.queued.splice(0)) {
      this.lastSent = this.store(batch.keys, batch.values).then(batch.resolve, batch.reject);
    }
  };

  /** Settles (never rejects) once everything written so far has been run or has failed. */
  drained(): Promise<void> {
    this.flush();
    return this.lastSent === undefined ? Promise.resolve() : this.lastSent.then(ignore, ignore);
  }
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { keys: [], values: [], chars: 0, promise, resolve, reject };
}
