/**
 * The slots every pool hands out: at most `size` jobs at once, the rest waiting in one FIFO, so
 * the next waiting job takes whichever slot frees first (fair dispatch, Celery's `-O fair`).
 */
import { PoolStoppedError } from './pool.js';

interface Waiting {
  start(): void;
  drop(reason: Error): void;
}

export class SlotGate {
  private running = 0;
  private readonly queue: Array<Waiting | undefined> = [];
  private queueHead = 0;
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private limit: number) {
    SlotGate.check(limit);
  }

  private static check(size: number): void {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`concurrency must be a positive integer, got ${size}`);
  }

  get size(): number {
    return this.limit;
  }

  get active(): number {
    return this.running;
  }

  get waiting(): number {
    return this.queue.length - this.queueHead;
  }

  /** Run `job` in a slot when one is free. @throws PoolStoppedError once closed. */
  run<T>(job: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new PoolStoppedError());
    if (this.running < this.limit) return this.start(job);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        start: () => {
          this.start(job).then(resolve, reject);
        },
        drop: reject,
      });
    });
  }

  /** New size; growing starts waiting jobs at once, shrinking takes effect as jobs end. */
  resize(size: number): void {
    SlotGate.check(size);
    this.limit = size;
    while (!this.closed && this.running < this.limit && this.waiting > 0) this.startNext();
  }

  /**
   * Not an async function: one `then` with handlers made once per gate allocates less per job than
   * an async frame with try/finally around an await (this runs once per task).
   */
  private start<T>(job: () => Promise<T>): Promise<T> {
    this.running++;
    let started: Promise<T>;
    try {
      started = job();
    } catch (error) {
      this.release();
      // Whatever the job threw, as an async start would have rejected with it.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return Promise.reject(error);
    }
    return started.then(this.released as (value: T) => T, this.releasedThrowing);
  }

  /** A job ended: its slot is free. */
  private release(): void {
    this.running--;
    this.next();
  }

  private readonly released = (value: unknown): unknown => {
    this.release();
    return value;
  };

  private readonly releasedThrowing = (error: unknown): never => {
    this.release();
    throw error;
  };

  private startNext(): void {
    const runNext = this.queue[this.queueHead]!;
    this.queue[this.queueHead++] = undefined; // let it be collected
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    runNext.start();
  }

  private next(): void {
    if (!this.closed && this.waiting > 0 && this.running < this.limit) {
      this.startNext();
      return;
    }
    if (this.running === 0 && this.waiting === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Resolves when nothing is running or waiting. */
  drained(): Promise<void> {
    if (this.running === 0 && this.waiting === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuse new jobs and drop waiting ones (rejected with PoolStoppedError); running jobs go on. */
  close(): void {
    this.closed = true;
    const dropped = this.queue.slice(this.queueHead);
    this.queue.length = 0;
    this.queueHead = 0;
    for (const w of dropped) w?.drop(new PoolStoppedError());
    if (this.running === 0) this.next();
  }
}
