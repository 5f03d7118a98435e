/**
 * A promise together with its value once it has fulfilled, readable without awaiting: the
 * publish path checks that the transport, a queue's declaration or the result backend is
 * already up and carries on synchronously, where an `await` of a long-settled promise would
 * still cost a turn of the microtask queue per `delay()`.
 */
export class SettledValue<T> {
  #fulfilled = false;
  #value: T | undefined;

  /** A rejection is left to whoever awaits `promise`; this only records a fulfilment. */
  constructor(readonly promise: Promise<T>) {
    promise.then(
      (value) => {
        this.#value = value;
        this.#fulfilled = true;
      },
      () => undefined,
    );
  }

  /** True once `promise` has fulfilled (a microtask after it did). */
  get fulfilled(): boolean {
    return this.#fulfilled;
  }

  /** The value `promise` fulfilled with; undefined until {@link fulfilled}. */
  get value(): T | undefined {
    return this.#value;
  }
}
