/**
 * A received task: the decoded message, its delivery, and the context the task function sees
 * (Celery's `celery.worker.request.Request`).
 */
import type { ListEntry } from '../internal/entry-list.js';
import type { LazyAbortController } from '../internal/lazy-abort-controller.js';
import { parseCeleryDate } from '../protocol/task-codec.js';
import type { TaskMessage } from '../protocol/task-message.js';
import type { TaskRequest } from '../app/task-types.js';
import type { Delivery } from '../transports/transport.js';

export class Request {
  /** ETA in ms since the epoch, or null. */
  readonly etaMs: number | null;
  /** Expiry in ms since the epoch, or null. */
  readonly expiresMs: number | null;
  /** Acked or rejected: the delivery is settled and later ack/reject calls do nothing. */
  private settled = false;
  /**
   * Set (to the signal name) when `revoke(..., { terminate })` ended this run: the worker stores
   * REVOKED (`terminated`) instead of the run's own outcome.
   */
  terminatedBy: string | null = null;
  /** The worker's bookkeeping: its place among reserved, then running tasks, and its run's controller. */
  reservedEntry: ListEntry<Request> | undefined = undefined;
  runningEntry: ListEntry<Request> | undefined = undefined;
  controller: LazyAbortController | undefined = undefined;

  constructor(
    readonly message: TaskMessage,
    readonly delivery: Delivery,
    readonly hostname: string,
  ) {
    this.etaMs = message.eta === null ? null : parseCeleryDate(message.eta);
    this.expiresMs = message.expires === null ? null : parseCeleryDate(message.expires);
  }

  get id(): string {
    return this.message.id;
  }

  get name(): string {
    return this.message.task;
  }

  /** The name log lines show: the message's `shadow` when set, else the task name (Celery's). */
  get displayName(): string {
    return this.message.shadow || this.message.task;
  }

  /** True once the message was acknowledged or rejected. */
  get acknowledged(): boolean {
    return this.settled;
  }

  /** Acknowledge once; later calls do nothing (early and late ack paths may both reach here). */
  ack(): Promise<void> {
    if (this.settled) return Promise.resolve();
    this.settled = true;
    return this.delivery.ack();
  }

  /**
   * Reject once (requeue, or drop as a dead letter with the reason); does nothing when the message
   * was already acknowledged, as Celery's `Request.reject`.
   */
  reject(options: { requeue: boolean; deadLetterReason?: string }): Promise<void> {
    if (this.settled) return Promise.resolve();
    this.settled = true;
    return this.delivery.reject(options);
  }

  /** What `ctx.request` shows the task. */
  taskRequest(): TaskRequest {
    const m = this.message;
    return {
      id: m.id,
      task: m.task,
      args: m.args,
      kwargs: m.kwargs,
      retries: m.retries,
      eta: m.eta,
      expires: m.expires,
      hostname: this.hostname,
      deliveryInfo: {
        exchange: this.delivery.exchange,
        routingKey: this.delivery.routingKey,
        priority: m.priority,
        redelivered: this.delivery.redelivered,
      },
      parentId: m.parentId,
      rootId: m.rootId,
      correlationId: m.correlationId,
      group: m.group,
      groupIndex: m.groupIndex,
      headers: { ...this.delivery.message.headers },
      calledDirectly: false,
    };
  }
}
