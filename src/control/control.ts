/**
 * The client side of remote control (Celery's `app.control`, `celery/app/control.py`): commands
 * broadcast on the pidbox fanout exchange in Celery's format, so Python and celeriac workers both
 * act on them. Only casts (no replies collected) exist so far; `revoke` is the first command.
 * Replies and inspection (`inspect().active()`...) extend this class: `broadcast` already writes
 * `ticket`/`reply_to` when given.
 */
import { CeleriacError } from '../errors.js';
import type { Clock } from '../internal/clock.js';
import { encodeControlRequest, type ControlReplyTo } from '../protocol/control-message.js';
import type { Transport } from '../transports/transport.js';
import { Mailbox } from './mailbox.js';

/** Options of {@link Control.revoke} (Celery's `revoke` keyword arguments). */
export interface RevokeOptions {
  /**
   * Also stop the task if it is running now (Celery's `terminate`): the worker aborts the run's
   * `AbortSignal` (`ctx.signal`) and stores REVOKED (`terminated`). Default false: only tasks not
   * started yet are skipped.
   */
  terminate?: boolean;
  /** Signal name for terminating (Celery's `signal`, default `SIGTERM`); pools that kill a thread or child use it. */
  signal?: string;
  /**
   * Only these node names act on it (Celery's `destination`); default every worker. Such a
   * revocation is not kept in the broker: workers started later do not see it.
   */
  destination?: string[];
}

/** Options of {@link Control.broadcast}. */
export interface BroadcastOptions {
  /** The command's keyword arguments, Celery's names. */
  arguments?: Record<string, unknown>;
  /** Node names that should act on it; default every node. */
  destination?: string[];
  /** Ask for replies: the request carries this ticket and reply address. */
  reply?: { ticket: string; replyTo: ControlReplyTo };
  /** Repliers stop answering after this many ms (the `expires` header); default 1 000, as Celery's `timeout=1`. */
  timeoutMs?: number;
}

/** What {@link Control} needs from the app. */
export interface ControlSettings {
  /** The started broker transport. */
  transport: () => Promise<Transport>;
  /** Celery's `control_exchange` (the mailbox namespace). */
  namespace: string;
  clock: Clock;
  /** How long revocations kept in the broker last (`worker_revoke_expires`, ms). */
  revokeExpiresMs: number;
}

export class Control {
  readonly mailbox: Mailbox;

  constructor(private readonly settings: ControlSettings) {
    this.mailbox = new Mailbox(settings.namespace);
  }

  /**
   * Publish a command to every worker (or `destination`) on the `<namespace>.pidbox` fanout
   * exchange. Workers not connected now do not receive it on Redis (PUB/SUB, as in Celery).
   * @throws CeleriacError `TRANSPORT_ERROR` when the broker fails.
   */
  async broadcast(method: string, options: BroadcastOptions = {}): Promise<void> {
    const transport = await this.settings.transport();
    const exchange = this.mailbox.exchange;
    await transport.declareExchange(exchange, 'fanout');
    const message = encodeControlRequest(
      {
        method,
        arguments: options.arguments ?? {},
        destination: options.destination?.length ? options.destination : null,
        pattern: null,
        matcher: null,
        ...(options.reply ? { ticket: options.reply.ticket, replyTo: options.reply.replyTo } : {}),
      },
      this.mailbox.tick(),
      this.settings.clock.now() + (options.timeoutMs ?? 1_000),
    );
    await transport.publish(message, { exchange, routingKey: '' });
  }

  /**
   * Revoke tasks (Celery's `app.control.revoke`): workers skip them when they arrive (storing
   * REVOKED, reason `revoked`), and with `terminate` abort them if running. The ids are also kept
   * in the broker for `worker_revoke_expires` (when the transport can keep them), so workers
   * that start later — or restart — still skip them; the broadcast is Celery's, so Python
   * workers honour it too.
   * @param taskId one id or several.
   * @throws CeleriacError `USAGE` for no ids; `TRANSPORT_ERROR` when the broker fails.
   * @example await app.control.revoke(result.id, { terminate: true });
   */
  async revoke(taskId: string | readonly string[], options: RevokeOptions = {}): Promise<void> {
    const ids = typeof taskId === 'string' ? [taskId] : [...taskId];
    if (ids.length === 0 || ids.some((id) => typeof id !== 'string' || id === '')) {
      throw new CeleriacError('USAGE', 'revoke needs one or more task ids');
    }
    const transport = await this.settings.transport();
    // A revocation for named nodes is theirs alone; one for all is kept for workers to come.
    if (!options.destination?.length) {
      const expiresAtMs = this.settings.clock.now() + this.settings.revokeExpiresMs;
      await transport.revocations?.add(ids.map((id) => ({ taskId: id, expiresAtMs })));
    }
    await this.broadcast('revoke', {
      // Celery sends one id as a string and several as a list; its workers accept both.
      arguments: { task_id: ids.length === 1 ? ids[0] : ids, terminate: options.terminate ?? false, signal: options.signal ?? 'SIGTERM' },
      destination: options.destination,
    });
  }
}
