import { MAX_MESSAGE_PRIORITY } from '../virtual/message-priority.js';
import { RingDeque } from './ring-deque.js';

/**
 * A queue with exact priorities 0..9: one FIFO per priority, the lowest number served first.
 * Every operation is O(1) (at most ten levels to look at).
 */
export class PriorityDeque<T> {
  readonly #levels = new Array<RingDeque<T> | undefined>(MAX_MESSAGE_PRIORITY + 1);
  #length = 0;
  /** No level below this one holds anything (a hint that saves scanning on shift). */
  #lowest = MAX_MESSAGE_PRIORITY + 1;

  get length(): number {
    return this.#length;
  }

  /** Adds at the back of its priority (0..9, already clamped). */
  push(item: T, priority: number): void {
    this.#level(priority).push(item);
    this.#added(priority);
  }

  /** Adds at the front of its priority, served before the others of that priority. */
  unshift(item: T, priority: number): void {
    this.#level(priority).unshift(item);
    this.#added(priority);
  }

  /** Removes the next item to serve; undefined when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    for (let p = this.#lowest; p <= MAX_MESSAGE_PRIORITY; p++) {
      const level = this.#levels[p];
      if (level !== undefined && level.length > 0) {
        this.#lowest = p;
        this.#length--;
        return level.shift();
      }
    }
    return undefined;
  }

  /** Empties every priority; returns how many items there were. */
  clear(): number {
    let count = 0;
    for (const level of this.#levels) count += level?.clear() ?? 0;
    this.#length = 0;
    this.#lowest = MAX_MESSAGE_PRIORITY + 1;
    return count;
  }

  #level(priority: number): RingDeque<T> {
    return (this.#levels[priority] ??= new RingDeque<T>());
  }

  #added(priority: number): void {
    this.#length++;
    if (priority < this.#lowest) this.#lowest = priority;
  }
}
