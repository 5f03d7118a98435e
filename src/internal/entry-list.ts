/**
 * An insertion-ordered collection whose `add` returns the entry, so the caller removes it in
 * O(1) without a lookup: for the per-task bookkeeping of a busy worker (held deliveries,
 * reserved and running tasks, a FIFO of messages waiting to be decoded), in place of a Map, a Set
 * or an array used as a queue.
 *
 * Why not a Map or Set: under constant churn V8 rehashes their table every few hundred
 * insertions, and the table left behind keeps pointing at every entry it held. Once such a
 * table sits in the old generation, the young-generation collector treats those pointers as live
 * until the next full collection, so every task object they reach is copied and promoted. In
 * the Redis drain (W2) that was about 2 KB promoted per task — nearly every message and its
 * decoded form — and most of the garbage collector's time. (An array used as a queue leaves its
 * old backing store behind the same way each time it grows or is compacted.) A removed entry here
 * is unlinked and emptied, so nothing dead points at live young objects.
 */
export class EntryList<T> {
  #first: ListEntry<T> | null = null;
  #last: ListEntry<T> | null = null;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Appends `value`; keep the entry to remove it. */
  add(value: T): ListEntry<T> {
    const entry = new ListEntry(value, this.#last);
    if (this.#last === null) this.#first = entry;
    else this.#last.next = entry;
    this.#last = entry;
    this.#size++;
    return entry;
  }

  /** Removes `entry` (added to this list); false when it was removed already. */
  remove(entry: ListEntry<T>): boolean {
    if (!entry.linked) return false;
    const { prev, next } = entry;
    if (prev === null) this.#first = next;
    else prev.next = next;
    if (next === null) this.#last = prev;
    else next.prev = prev;
    entry.clear();
    this.#size--;
    return true;
  }

  /** Removes and returns the first value (undefined when empty). */
  shift(): T | undefined {
    const first = this.#first;
    if (first === null) return undefined;
    const value = first.value as T;
    this.remove(first);
    return value;
  }

  /** The values in insertion order (a copy: the list may change while it is used). */
  values(): T[] {
    const values: T[] = [];
    for (let entry = this.#first; entry !== null; entry = entry.next) values.push(entry.value as T);
    return values;
  }

  /** Removes every entry; returns their values in insertion order. */
  drain(): T[] {
    const values: T[] = [];
    for (let entry = this.#first; entry !== null; ) {
      const next = entry.next;
      values.push(entry.value as T);
      entry.clear();
      entry = next;
    }
    this.#first = this.#last = null;
    this.#size = 0;
    return values;
  }

  /** The first value for which `match` holds, in insertion order. */
  find(match: (value: T) => boolean): T | undefined {
    for (let entry = this.#first; entry !== null; entry = entry.next) {
      if (match(entry.value as T)) return entry.value;
    }
    return undefined;
  }
}

/** One entry of an {@link EntryList}; emptied once removed. */
export class ListEntry<T> {
  next: ListEntry<T> | null = null;
  linked = true;

  constructor(
    public value: T | undefined,
    public prev: ListEntry<T> | null,
  ) {}

  clear(): void {
    this.linked = false;
    this.value = undefined;
    this.prev = null;
    this.next = null;
  }
}
