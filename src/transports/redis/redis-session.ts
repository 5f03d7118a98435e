/**
 * What a Redis transport has between start() and stop(): the command connection and the parts
 * that use it (fanout, write batcher, publish outbox, restorer, renewer, restore loop). Connecting logs a lost
 * and regained connection once each, and on every reconnect renews what is held at once and
 * sends the settles that waited for it.
 */
import {
  createRedisClient,
  dropRedisConnection,
  type RedisClient,
  type RedisConnectionRole,
  type RedisUrl,
} from '../../connections/redis-connection.js';
import { redisClientConnectionOptions } from '../../connections/redis-connection-options.js';
import { redisFailure } from '../../connections/redis-failure.js';
import type { Clock } from '../../internal/clock.js';
import type { TransportLogger } from '../transport.js';
import type { BindingTable } from './binding-table.js';
import type { KeyLayout } from './key-layout.js';
import { PublishOutbox } from './publish-outbox.js';
import { RedisFanout } from './redis-fanout.js';
import { defineTransportScripts } from './redis-scripts.js';
import type { RedisTransportSettings } from './redis-transport-options.js';
import { RestoreLoop } from './restore-loop.js';
import { UnackedRestorer } from './unacked-restorer.js';
import { VisibilityRenewer } from './visibility-renewer.js';
import { WriteBatcher } from './write-batcher.js';

/** What a session needs from its transport. */
export interface RedisSessionContext {
  target: RedisUrl;
  settings: Readonly<RedisTransportSettings>;
  layout: KeyLayout;
  bindings: BindingTable;
  clock: Clock;
  logger: TransportLogger;
  selfId: string;
  /** The delivery tags the transport holds now (renewed by the renewer). */
  heldTags: () => Iterable<string>;
  /** Whether the transport has consumers (the restore loop runs only then). */
  hasConsumers: () => boolean;
}

/** A new connection of the given role, with the transport's socket settings. */
export function openRedisClient(target: RedisUrl, settings: Readonly<RedisTransportSettings>, role: RedisConnectionRole): RedisClient {
  const s = settings;
  return createRedisClient(target, {
    role,
    failFast: role === 'commands',
    ...redisClientConnectionOptions(s),
    // A blocking connection hears at least a nil every BRPOP timeout.
    socketTimeoutMs: role === 'blocking' ? s.brpopTimeoutMs + s.socketTimeoutMs : s.socketTimeoutMs,
  });
}

export class RedisSession {
  readonly fanout: RedisFanout;
  readonly writes: WriteBatcher;
  /** Publishes not yet acknowledged (`confirmPublish` false). */
  readonly outbox: PublishOutbox;
  readonly restorer: UnackedRestorer;
  readonly renewer: VisibilityRenewer;
  readonly restoreLoop: RestoreLoop;
  #closed = false;
  #connectionLost = false;

  /**
   * Connects the command connection and builds the session on it.
   * @throws CeleriacError `TRANSPORT_ERROR` when Redis cannot be reached (cause: ioredis's error).
   */
  static async connect(context: RedisSessionContext): Promise<RedisSession> {
    const client = openRedisClient(context.target, context.settings, 'commands');
    defineTransportScripts(client);
    let lastError: unknown;
    const onError = (error: unknown): void => void (lastError = error);
    client.on('error', onError);
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      // ioredis rejects with "Connection is closed."; the 'error' event said why (ECONNREFUSED…).
      throw redisFailure('TRANSPORT_ERROR', `redis transport: connecting to ${context.target.display}`, lastError ?? error);
    } finally {
      client.off('error', onError);
    }
    return new RedisSession(context, client);
  }

  private constructor(
    context: RedisSessionContext,
    readonly client: RedisClient,
  ) {
    const { target, layout, clock, logger, selfId } = context;
    const s = context.settings;
    this.fanout = new RedisFanout({
      globalKeyprefix: s.globalKeyprefix,
      fanoutPrefix: s.fanoutPrefix,
      fanoutPatterns: s.fanoutPatterns,
      db: target.db,
      logger,
      openSubscriber: () => openRedisClient(target, s, 'subscriber'),
    });
    this.writes = new WriteBatcher(layout, selfId, () => (this.#closed ? undefined : client), target.display);
    this.outbox = new PublishOutbox({
      client: () => (this.#closed ? undefined : client),
      clock,
      describe: target.display,
      maxUnconfirmed: s.maxUnconfirmedPublishes,
    });
    this.restorer = new UnackedRestorer({
      layout,
      bindings: context.bindings,
      clock,
      logger,
      selfId,
      visibilityTimeoutMs: s.visibilityTimeoutMs,
      unackedMutexExpireMs: s.unackedMutexExpireMs,
      unackedRestoreLimit: s.unackedRestoreLimit,
      consumerTtlMs: s.consumerTtlMs,
    });
    this.renewer = new VisibilityRenewer({
      layout,
      clock,
      logger,
      selfId,
      renewIntervalMs: s.renewIntervalMs,
      consumerTtlMs: s.consumerTtlMs,
      heldTags: context.heldTags,
      client: () => (!this.#closed && client.status === 'ready' ? client : undefined),
    });
    this.restoreLoop = new RestoreLoop({
      clock,
      logger,
      intervalMs: s.restoreIntervalMs,
      pass: () => (client.status === 'ready' ? this.restorer.run(client) : undefined),
      wanted: () => !this.#closed && context.hasConsumers(),
    });
    client.on('close', () => {
      if (this.#closed || this.#connectionLost) return;
      this.#connectionLost = true;
      logger.warn(`redis transport: lost the connection to ${target.display}; reconnecting`);
    });
    client.on('ready', () => {
      if (this.#closed) return;
      if (this.#connectionLost) logger.warn(`redis transport: reconnected to ${target.display}`);
      this.#connectionLost = false;
      context.bindings.clear();
      this.renewer.renewNow();
      this.writes.connected();
      this.outbox.connected();
    });
  }

  /** The session's parts stop using the connection; the transport closes it after this. */
  markClosed(): void {
    this.#closed = true;
  }

  /** Closes the fanout subscriber and the command connection (QUIT, or at once when down). */
  async closeConnections(): Promise<void> {
    this.fanout.close();
    await this.client.quit().catch(() => dropRedisConnection(this.client));
  }
}
