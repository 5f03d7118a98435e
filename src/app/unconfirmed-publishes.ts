/**
 * The producer's record of task messages whose publish resolved before the broker confirmed
 * them (`confirm_publish` false on Redis): `AsyncResult.get()` waits on a task's confirmation
 * while it is pending and fails at once with the error that lost it; a loss is logged at error
 * with the task's name, so it is never silent.
 */
import type { Logger } from '../internal/logger.js';
import type { UnconfirmedPublish } from '../transports/transport.js';

/** How many lost unconfirmed publishes are remembered for `get()` (the newest). */
const LOST_PUBLISHES_KEPT = 10_000;

/** One task message's publish: told by the transport how it ends. */
class TrackedPublish implements UnconfirmedPublish {
  /** Who asked to wait for the confirmation (made only when `get()` asks). */
  #waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> | undefined;

  constructor(
    private readonly registry: UnconfirmedPublishes,
    readonly id: string,
    readonly task: string,
  ) {}

  unconfirmed(): void {
    this.registry.pending.set(this.id, this);
  }

  settled(error?: Error): void {
    this.registry.ended(this, error);
    const waiters = this.#waiters;
    this.#waiters = undefined;
    if (waiters === undefined) return;
    for (const waiter of waiters) {
      if (error === undefined) waiter.resolve();
      else waiter.reject(error);
    }
  }

  /** Resolves once the broker stored the message; rejects with the error that lost it. */
  confirmation(): Promise<void> {
    return new Promise<void>((resolve, reject) => (this.#waiters ??= []).push({ resolve, reject }));
  }
}

export class UnconfirmedPublishes {
  /** Task id → its publish, while the broker has not confirmed it. */
  readonly pending = new Map<string, TrackedPublish>();
  /** Task id → why its message was lost (insertion order: oldest first). */
  readonly #lost = new Map<string, Error>();

  constructor(private readonly log: Logger) {}

  /** What a transport is given to follow the publish of task `task`[`id`]. */
  track(id: string, task: string): UnconfirmedPublish {
    return new TrackedPublish(this, id, task);
  }

  /**
   * How the publish of task `taskId` ended, when the transport did not wait for the broker: a
   * promise that resolves once the broker acknowledged the message and rejects with the error
   * that lost it; undefined when there is nothing to wait for (the publish was confirmed, or is
   * too old to be remembered).
   */
  outcome(taskId: string): Promise<void> | undefined {
    const error = this.#lost.get(taskId);
    if (error !== undefined) return Promise.reject(error);
    return this.pending.get(taskId)?.confirmation();
  }

  /** @internal Called by a {@link TrackedPublish} as it settles. */
  ended(publish: TrackedPublish, error: Error | undefined): void {
    const { id } = publish;
    if (this.pending.get(id) === publish) this.pending.delete(id);
    if (error === undefined) return;
    this.#lost.delete(id);
    this.#lost.set(id, error);
    if (this.#lost.size > LOST_PUBLISHES_KEPT) this.#lost.delete(this.#lost.keys().next().value as string);
    this.log.error({ err: error }, `task ${publish.task}[${id}] was not sent: its unconfirmed publish failed (${error.message})`);
  }
}
