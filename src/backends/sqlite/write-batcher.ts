/**
 * Group writes made during one event-loop turn into one transaction: SQLite's cost is per commit,
 * not per row, so a worker finishing many tasks at once pays one commit. `add()` returns a promise
 * shared by its whole batch, settled when that batch's commit returns (or throws).
 *
 * A batch holds at most `maxBatchSize` items; beyond that the next batch commits on the next turn,
 * so the database write lock — shared with other processes on the file — is released in between.
 */

export interface WriteBatcherOptions<T> {
  /** Write one batch synchronously in one transaction; throwing fails every item of the batch. */
  commit(items: T[]): void;
  /** Largest number of items committed in one transaction. */
  maxBatchSize: number;
}

interface Batch<T> {
  items: T[];
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

const ignore = (): void => {};

export class WriteBatcher<T> {
  private readonly queue: Batch<T>[] = [];
  private scheduled = false;

  constructor(private readonly options: WriteBatcherOptions<T>) {}

  /** True while some added item is not yet committed. */
  get pending(): boolean {
    return this.queue.length > 0;
  }

  /** Queue an item; the promise settles when its batch is committed. */
  add(item: T): Promise<void> {
    let batch = this.queue[this.queue.length - 1];
    if (batch === undefined || batch.items.length >= this.options.maxBatchSize) {
      batch = newBatch<T>();
      this.queue.push(batch);
    }
    batch.items.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushOne);
    }
    return batch.promise;
  }

  /** Settles (never rejects) once everything added so far is committed or failed. */
  drained(): Promise<void> {
    const last = this.queue[this.queue.length - 1];
    return last === undefined ? Promise.resolve() : last.promise.then(ignore, ignore);
  }

  /** Commit everything queued now, synchronously (used when closing). */
  flushAll(): void {
    while (this.queue.length > 0) this.commitFirst();
  }

  private readonly flushOne = (): void => {
    this.scheduled = false;
    this.commitFirst();
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushOne);
    }
  };

  private commitFirst(): void {
    const batch = this.queue.shift();
    if (batch === undefined) return;
    try {
      this.options.commit(batch.items);
    } catch (error) {
      batch.reject(error);
      return;
    }
    batch.resolve();
  }
}

function newBatch<T>(): Batch<T> {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { items: [], promise, resolve, reject };
}
