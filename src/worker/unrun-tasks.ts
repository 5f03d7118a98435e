/**
 * How a worker settles a message it does not run: one that cannot be read (dead-lettered), a task
 * no local task knows (Celery's NotRegistered), and one revoked or expired before it ran or
 * terminated while running (Celery's `Request._announce_revoked`).
 */
import type { Celery } from '../app/celery.js';
import { NotRegisteredError } from '../errors.js';
import type { Logger } from '../internal/logger.js';
import type { TaskState } from '../protocol/task-state.js';
import type { Delivery } from '../transports/transport.js';
import type { Request } from './request.js';
import type { TaskRunner } from './task-runner.js';

/** What the handlers need from their worker. */
export interface UnrunTasksHost {
  readonly app: Celery;
  readonly hostname: string;
  readonly log: Logger;
  /** The worker's runner (made at start, before any message arrives). */
  runner(): TaskRunner;
  /** Counts one more in the worker's stats. */
  count(stat: 'deadLettered' | 'failed' | 'revoked'): void;
  /** The message was kept as a dead letter (the worker's `dead-letter` event). */
  deadLettered(reason: string, queue: string): void;
  /** The task's message is done here (the worker's `task-done` event). */
  done(taskId: string, state: TaskState): void;
}

export class UnrunTasks {
  constructor(private readonly host: UnrunTasksHost) {}

  /** Keeps an unreadable message as a dead letter, or leaves it unacked when that fails. */
  async deadLetter(delivery: Delivery, reason: string): Promise<void> {
    const { host } = this;
    host.count('deadLettered');
    host.log.error(`dead-lettered a message from queue '${delivery.queue}': ${reason}`);
    try {
      // One atomic step: the message is either still unacked or safely a dead letter.
      await delivery.reject({ requeue: false, deadLetterReason: reason });
      host.deadLettered(reason, delivery.queue);
    } catch (err) {
      // Keep the message rather than lose it: it stays unacked and comes back.
      host.log.error({ err }, 'could not dead-letter the message; leaving it unacked');
    }
  }

  /**
   * A task name no local task knows. `worker_unknown_task: 'fail'` (default) does what Celery
   * does — store a NotRegistered FAILURE — and, beyond Celery, keeps the message as a dead letter
   * instead of dropping it; `'reject'` only dead-letters it.
   */
  async unknownTask(request: Request): Promise<void> {
    const { app, hostname, log } = this.host;
    const policy = app.conf.workerUnknownTask;
    const unknown = app.signals.taskUnknown;
    if (unknown.connected) {
      unknown.send({
        sender: hostname,
        message: request.delivery.message,
        exc: new NotRegisteredError(request.name),
        name: request.name,
        id: request.id,
      });
    }
    log.error(
      `Received unregistered task of type '${request.name}' (id ${request.id}): the message is dead-lettered; ` +
        `register the task and run 'celeriac dead requeue' to run it`,
    );
    if (policy === 'fail') {
      const runner = this.host.runner();
      await runner.store(
        request,
        runner.meta(request, 'FAILURE', { exc_type: 'NotRegistered', exc_message: [request.name], exc_module: 'celery.exceptions' }, null),
        undefined,
      );
      this.host.count('failed');
    }
    await this.deadLetter(request.delivery, `task '${request.name}' is not registered`);
    if (policy === 'fail') this.host.done(request.id, 'FAILURE');
  }

  /**
   * Celery's `Request._announce_revoked`: store REVOKED with the reason (`expired`, `revoked`
   * before it ran, or `terminated` while running), ack, send `taskRevoked`.
   */
  async revoke(request: Request, reason: 'expired' | 'revoked' | 'terminated', signum: string | null = null): Promise<void> {
    const { app, log } = this.host;
    log.info(`Task ${request.displayName}[${request.id}] ${reason === 'terminated' ? `terminated (${signum})` : `${reason}: not run`}`);
    const runner = this.host.runner();
    const exc = { exc_type: 'TaskRevokedError', exc_message: [reason], exc_module: 'celery.exceptions' };
    await runner.store(request, runner.meta(request, 'REVOKED', exc, null), app.tasks.get(request.name));
    await runner.revokedPart(request, exc);
    this.host.count('revoked');
    await request.ack();
    const revoked = app.signals.taskRevoked;
    if (revoked.connected) {
      revoked.send({ sender: request.name, request: request.taskRequest(), terminated: reason === 'terminated', signum, expired: reason === 'expired' });
    }
    this.host.done(request.id, 'REVOKED');
  }
}
