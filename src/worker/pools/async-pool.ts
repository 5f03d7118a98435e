/**
 * The default pool: task functions run concurrently on this process's event loop, at most
 * `concurrency` at once. Synchronous functions block the loop while they run, as they would in
 * any single-threaded runtime; CPU-bound tasks belong on the threads or processes pool.
 */
import type { Pool } from './pool.js';

interface Waiting {
  start(): void;
  drop(reason: Error): void;
}

/** The rejection of a job that was still waiting when the pool stopped; it never ran. */
export class PoolStoppedError extends Error {
  constructor() {
    super('the pool stopped before this job started');
    this.name = 'PoolStoppedError';
  }
}

export class AsyncPool implements Pool {
  private running = 0;
  private readonly queue: Waiting[] = [];
  private queueHead = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly abort = new AbortController();
  private stopped = false;

  constructor(readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }

  get active(): number {
    return this.running;
  }

  get waiting(): number {
    return this.queue.length - this.queueHead;
  }

  run<T>(job: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.stopped) return Promise.reject(new PoolStoppedError());
    if (this.running < this.concurrency) return this.start(job);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        start: () => {
          this.start(job).then(resolve, reject);
        },
        drop: reject,
      });
    });
  }

  private async start<T>(job: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await job(this.abort.signal);
    } finally {
      this.running--;
      this.next();
    }
  }

  private next(): void {
    if (!this.stopped && this.queueHead < this.queue.length) {
      const runNext = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = undefined as unknown as Waiting; // let it be collected
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      runNext.start();
      return;
    }
    if (this.running === 0 && this.waiting === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  drained(): Promise<void> {
    if (this.running === 0 && this.waiting === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(options: { graceful: boolean }): Promise<void> {
    this.stopped = true;
    // Waiting jobs never start: the caller gives their messages back to the queue.
    const dropped = this.queue.slice(this.queueHead);
    this.queue.length = 0;
    this.queueHead = 0;
    for (const w of dropped) w.drop(new PoolStoppedError());
    if (!options.graceful) this.abort.abort(new Error('worker cold shutdown'));
    if (this.running === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}
