/**
 * The worker's part in remote control: it listens on its pidbox queue (`PidboxNode`) and
 * implements the commands' port (`ControlTarget`). For `revoke` it keeps the revoked ids
 * (`RevokedTasks`, loaded from the broker's revocation store at start, so revocations survive
 * restarts), writes ids that Python clients broadcast to the store too, and has the worker end
 * running ones when asked to terminate.
 */
import type { Celery } from '../app/celery.js';
import { PidboxNode } from '../control/pidbox-node.js';
import type { ControlTarget } from '../control/control-target.js';
import type { Logger } from '../internal/logger.js';
import type { Transport } from '../transports/transport.js';
import { RevokedTasks } from './revoked-tasks.js';

export interface WorkerControlOptions {
  app: Celery;
  hostname: string;
  transport: Transport;
  log: Logger;
  /** Ends the running task `taskId` for `revoke(..., { terminate })`; false when it is not running here. */
  terminate(taskId: string, signal: string): boolean;
  /** A revoke command was handled (ids flagged; those terminated). */
  onRevoked(ids: string[], terminated: string[]): void;
}

export class WorkerControl implements ControlTarget {
  readonly hostname: string;
  readonly revoked: RevokedTasks;
  readonly #node: PidboxNode;

  constructor(private readonly options: WorkerControlOptions) {
    this.hostname = options.hostname;
    this.revoked = new RevokedTasks(options.app.clock);
    this.#node = new PidboxNode({ transport: options.transport, mailbox: options.app.control.mailbox, target: this, log: options.log });
  }

  /**
   * Listen for commands, then load the revocations kept in the broker (in that order, so a
   * revoke sent meanwhile is not missed). A store that cannot be read is logged, not fatal.
   */
  async start(): Promise<void> {
    await this.#node.start();
    const store = this.options.transport.revocations;
    if (store === undefined) return;
    try {
      this.revoked.add(await store.list(this.options.app.clock.now()));
    } catch (err) {
      this.options.log.warn(`could not load revoked task ids from the broker: ${(err as Error).message}`);
    }
  }

  stop(): void {
    this.#node.stop();
  }

  revoke(ids: string[], options: { terminate: boolean; signal: string; broadcast: boolean }): string[] {
    const { app, log, transport } = this.options;
    const revocations = ids.map((taskId) => ({ taskId, expiresAtMs: app.clock.now() + app.conf.workerRevokeExpiresMs }));
    this.revoked.add(revocations);
    // Python clients only broadcast: keep their revocations for workers that start later.
    if (options.broadcast && transport.revocations !== undefined) {
      transport.revocations.add(revocations).catch((err: unknown) => log.warn(`could not keep revoked task ids in the broker: ${(err as Error).message}`));
    }
    if (ids.length > 0) log.info(`Tasks flagged as revoked: ${ids.join(', ')}`);
    const terminated = options.terminate ? ids.filter((id) => this.options.terminate(id, options.signal)) : [];
    for (const id of terminated) log.info(`Terminating ${id} (${options.signal})`);
    this.options.onRevoked(ids, terminated);
    return terminated;
  }
}
