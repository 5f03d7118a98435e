/**
 * One typed signal: handlers connect, the app or worker sends a payload to them. Mirrors Celery's
 * `Signal` (celery/utils/dispatch/signal.py): `send` calls every connected handler, and a handler
 * that throws is logged and never breaks the sender (Celery's `send` is `send_robust`).
 *
 * Senders check {@link Signal.connected} before building a payload, so a signal nobody listens
 * to costs one property read on the hot path.
 */

/** A signal handler. It may be async: `send` does not wait for it, but logs its rejection. */
export type SignalHandler<P> = (payload: P) => unknown;

/** Options of {@link Signal.connect}. */
export interface ConnectOptions {
  /**
   * Only receive payloads whose `sender` equals this (Celery's `connect(sender=...)`): a task
   * name for task and publish signals, a worker's node name for worker signals.
   */
  sender?: string;
}

/** Where handler errors go (the app's logger). */
export type SignalErrorReporter = (err: unknown, signalName: string) => void;

interface Receiver<P> {
  fn: SignalHandler<P>;
  sender: string | undefined;
}

export class Signal<P extends { readonly sender: unknown }> {
  // Replaced, never mutated, so a handler that connects or disconnects during `send` does not
  // change the list being iterated.
  private receivers: ReadonlyArray<Receiver<P>> = [];

  /**
   * @param name Celery's name of the signal (`task_prerun`), used in logs.
   * @param report called with what a handler threw or rejected with.
   */
  constructor(
    readonly name: string,
    private readonly report: SignalErrorReporter,
  ) {}

  /** True when at least one handler is connected. Check it before building a payload. */
  get connected(): boolean {
    return this.receivers.length > 0;
  }

  /**
   * Connect `handler`; connecting the same handler (with the same `sender`) again does nothing,
   * as in Celery.
   * @returns a function that disconnects it.
   * @example const off = app.signals.taskFailure.connect(({ taskId, exception }) => report(taskId, exception));
   */
  connect(handler: SignalHandler<P>, options: ConnectOptions = {}): () => void {
    const sender = options.sender;
    if (!this.receivers.some((r) => r.fn === handler && r.sender === sender)) {
      this.receivers = [...this.receivers, { fn: handler, sender }];
    }
    return () => {
      this.receivers = this.receivers.filter((r) => !(r.fn === handler && r.sender === sender));
    };
  }

  /** Disconnect every connection of `handler`. @returns whether it was connected. */
  disconnect(handler: SignalHandler<P>): boolean {
    const before = this.receivers.length;
    this.receivers = this.receivers.filter((r) => r.fn !== handler);
    return this.receivers.length !== before;
  }

  /**
   * Call every matching handler in connection order, synchronously. What a handler throws (or
   * an async handler rejects with) is logged; it never reaches the caller.
   */
  send(payload: P): void {
    for (const r of this.receivers) {
      if (r.sender !== undefined && r.sender !== payload.sender) continue;
      try {
        const out = r.fn(payload);
        if (isThenable(out)) out.then(undefined, (err: unknown) => this.report(err, this.name));
      } catch (err) {
        this.report(err, this.name);
      }
    }
  }

  /**
   * Like {@link send}, then wait for the handlers' promises to settle — for lifecycle signals
   * (`worker_init`, `worker_shutdown`) where a handler may need to finish (flush a log sink)
   * before the worker goes on. Never rejects.
   */
  async sendAndWait(payload: P): Promise<void> {
    const pending: Array<PromiseLike<unknown>> = [];
    for (const r of this.receivers) {
      if (r.sender !== undefined && r.sender !== payload.sender) continue;
      try {
        const out = r.fn(payload);
        if (isThenable(out)) pending.push(out.then(undefined, (err: unknown) => this.report(err, this.name)));
      } catch (err) {
        this.report(err, this.name);
      }
    }
    if (pending.length > 0) await Promise.all(pending);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
