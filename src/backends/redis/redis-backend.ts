/**
 * `redis://` result backend, wire-compatible with Celery's `RedisBackend` (celery-protocol.md §6):
 * each result is the Celery JSON under `celery-task-meta-<task_id>`, written with
 * `SETEX <result_expires seconds>` (plain `SET` when results never expire) and PUBLISHed on the
 * channel of the same name, so Python's `AsyncResult.get()` reads and is woken by what celeriac
 * workers store, and the reverse.
 *
 * Differences from Celery, all invisible on the wire:
 * - The SUCCESS guard (Celery reads, then writes) is one Lua script, so it holds even when two
 *   workers race; and all writes of one event-loop turn go to Redis as one script call per
 *   {@link RedisBackendOptions.maxBatchSize} results.
 * - Waiting subscribes to a task's channel only while someone waits, on one subscriber connection
 *   shared by all waiters (see `result-subscriber.ts`); nothing is polled.
 */
import {
  createRedisClient,
  dropRedisConnection,
  parseRedisUrl,
  redisClientOptions,
  type RedisClient,
  type RedisClientOptions,
  type RedisUrl,
} from '../../connections/redis-connection.js';
import { redisFailure } from '../../connections/redis-failure.js';
import { RedisScript } from '../../connections/redis-script.js';
import { CeleriacError } from '../../errors.js';
import { systemClock, type Clock } from '../../internal/clock.js';
import { decodeResultMeta, encodeResultMeta, pendingResultMeta } from '../../protocol/result-codec.js';
import type { ResultMeta } from '../../protocol/result-meta.js';
import { READY_STATES } from '../../protocol/task-state.js';
import {
  resultBackendDefaults,
  type BackendCapabilities,
  type ChordJoin,
  type ChordPart,
  type ResultBackend,
  type WaitOptions,
} from '../backend.js';
import { WaiterRegistry } from '../waiter-registry.js';
import { RedisChords } from './redis-chords.js';
import { ResultKeys } from './result-keys.js';
import { ResultSubscriber } from './result-subscriber.js';
import { ResultWriter } from './result-writer.js';

const storeResults = RedisScript.fromFile('celeriacStoreResults', new URL('./store-results.lua', import.meta.url));

/** Defaults of {@link RedisBackendOptions} (listed in `docs/reference/settings.md`). */
export const redisBackendDefaults = {
  ...resultBackendDefaults,
  globalKeyprefix: '',
  maxBatchSize: 500,
  maxBatchChars: 1 << 20,
} as const;

/** Receives connection trouble (a drop, a failed reconnect); default Node process warnings. */
export interface RedisBackendLogger {
  warn(message: string): void;
}

/** How the backend's connections are made (kombu's socket options; see `createRedisClient`). */
export type RedisBackendConnectionOptions = Omit<RedisClientOptions, 'role' | 'failFast' | 'lazyConnect'>;

export interface RedisBackendOptions {
  /**
   * Where results live: `redis://[[user]:password@]host[:port][/db]`, `rediss://`,
   * `redis+socket:///path.sock`, `sentinel://host:port;sentinel://…` (forms in
   * `connections/redis-connection.ts`). Two connections are opened: commands, and pub/sub.
   */
  url: string;
  /** Socket options, Sentinel `masterName`… of both connections. */
  connection?: RedisBackendConnectionOptions;
  /**
   * Milliseconds a stored result lives after its last write (Celery's `result_expires`); `null`
   * or `0` keeps results forever (`SET` instead of `SETEX`). Default 86,400,000 (one day). Sent to
   * Redis in whole seconds as Celery does (`int(seconds)`), at least 1.
   */
  resultExpiresMs?: number | null;
  /** Times `waitForReady` timeouts; default the system clock. (Expiry is Redis's own clock.) */
  clock?: Clock;
  /**
   * `result_backend_transport_options.global_keyprefix` (Celery 5.3+): put before every key and
   * channel, followed by `_` unless it ends in `: _ - .`. Default '' (Celery 5.2's names).
   */
  globalKeyprefix?: string;
  /** Most results stored by one script call; default 500. */
  maxBatchSize?: number;
  /** A script call is closed once its values reach this many characters; default 1 MiB. */
  maxBatchChars?: number;
  logger?: RedisBackendLogger;
}

/** Celery's `RedisBackend._MAX_STR_VALUE_SIZE`: Redis refuses larger strings. */
const MAX_VALUE_BYTES = 512 * 1024 * 1024;

interface Session {
  /** Per session, so a `stop()` still closing cannot reject the waiters of a later `start()`. */
  waiters: WaiterRegistry;
  commands: RedisClient;
  subscriberConnection: RedisClient;
  writer: ResultWriter;
  subscriber: ResultSubscriber;
  /**
   * Rejects when the session closes. ioredis leaves a command queued while it reconnects pending
   * forever when the client is then disconnected, so reads race this instead.
   */
  closed: Promise<never>;
  close(error: Error): void;
}

type Phase = 'idle' | 'open' | 'stopped';

/**
 * Result backend on Redis.
 *
 * @example
 * const backend = new RedisBackend({ url: 'redis://127.0.0.1:6379/0' });
 * await backend.storeResult({ taskId: 'id-1', status: 'SUCCESS', result: 4, traceback: null,
 *   children: [], dateDone: formatDateDone(Date.now()) });
 * await backend.waitForReady('id-1', { timeoutMs: 5_000 }); // → the SUCCESS meta
 */
export class RedisBackend implements ResultBackend {
  readonly capabilities: BackendCapabilities = { durable: true, crossProcess: true, pushWakeups: true };
  /** Key and channel names (Celery's, under `globalKeyprefix`). */
  readonly keys: ResultKeys;

  private readonly url: RedisUrl;
  private readonly connection: RedisBackendConnectionOptions;
  private readonly clock: Clock;
  private readonly expiresSeconds: number;
  private readonly maxBatchSize: number;
  private readonly maxBatchChars: number;
  private readonly logger: RedisBackendLogger;
  private readonly chords: RedisChords;
  private phase: Phase = 'idle';
  private session: Session | undefined;

  /**
   * Connects lazily (on first use), so a Redis that is down does not fail construction or `start()`.
   * @throws CeleriacError `BAD_URL` for a malformed URL; `CONFIG_INVALID` for a Sentinel URL
   *   without `connection.masterName`.
   */
  constructor(options: RedisBackendOptions) {
    this.url = parseRedisUrl(options.url);
    this.connection = options.connection ?? {};
    // Bad option combinations (a Sentinel URL without masterName) fail here, not on first use.
    redisClientOptions(this.url, { ...this.connection, role: 'commands' });
    this.clock = options.clock ?? systemClock;
    const expiresMs = options.resultExpiresMs === undefined ? redisBackendDefaults.resultExpiresMs : options.resultExpiresMs;
    this.expiresSeconds = expiresMs ? Math.max(1, Math.floor(expiresMs / 1000)) : 0;
    this.keys = new ResultKeys(options.globalKeyprefix ?? redisBackendDefaults.globalKeyprefix);
    this.chords = new RedisChords(this.keys, this.expiresSeconds);
    this.maxBatchSize = options.maxBatchSize ?? redisBackendDefaults.maxBatchSize;
    this.maxBatchChars = options.maxBatchChars ?? redisBackendDefaults.maxBatchChars;
    this.logger = options.logger ?? { warn: (message) => process.emitWarning(message, 'CeleriacWarning') };
  }

  async start(): Promise<void> {
    if (this.phase === 'stopped') this.phase = 'idle';
    this.open();
  }

  async stop(): Promise<void> {
    if (this.phase === 'stopped') return;
    this.phase = 'stopped';
    const session = this.session;
    this.session = undefined;
    if (session === undefined) return;
    session.subscriber.stop();
    await session.writer.drained();
    session.close(closedError());
    close(session.commands);
    close(session.subscriberConnection);
    // Last, so a caller awaiting stop() can still attach handlers to its waits in time.
    session.waiters.rejectAll(closedError());
  }

  storeResult(meta: ResultMeta): Promise<void> {
    let session: Session;
    let text: string;
    try {
      session = this.open();
      text = encodeResultMeta(meta);
      checkSize(meta.taskId, text);
    } catch (error) {
      // Rejected rather than thrown: callers of a promise API expect failures in the promise.
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return session.writer.write(this.keys.task(meta.taskId), text);
  }

  async getMeta(taskId: string): Promise<ResultMeta> {
    const session = this.open();
    // Queued writes go first on the same connection, so this GET sees them (read-your-writes).
    session.writer.flush();
    let text: string | null;
    try {
      text = await Promise.race([session.commands.get(this.keys.task(taskId)), session.closed]);
    } catch (error) {
      throw redisFailure('BACKEND_ERROR', `redis result backend: reading the result of task ${taskId}`, error);
    }
    return text === null ? pendingResultMeta(taskId) : decodeResultMeta(taskId, text);
  }

  async waitForReady(taskId: string, options: WaitOptions = {}): Promise<ResultMeta> {
    const { waiters, subscriber } = this.open();
    const first = !waiters.has(taskId);
    const waiting = waiters.wait(taskId, options);
    if (first && waiters.has(taskId)) subscriber.watch(taskId);
    try {
      return await waiting;
    } finally {
      if (!waiters.has(taskId)) subscriber.release(taskId);
    }
  }

  /** Subscribes to the task's channel now, so a later waitForReady needs no round trip. */
  expectResult(taskId: string): void {
    if (this.phase === 'stopped') return;
    this.open().subscriber.expect(taskId, this.clock.now());
  }

  async forget(taskId: string): Promise<void> {
    const session = this.open();
    // A queued write must not bring the result back after the DEL.
    session.writer.flush();
    try {
      await Promise.race([session.commands.del(this.keys.task(taskId)), session.closed]);
    } catch (error) {
      throw redisFailure('BACKEND_ERROR', `redis result backend: forgetting the result of task ${taskId}`, error);
    }
  }

  setChordSize(groupId: string, size: number): Promise<void> {
    return this.command(`recording the size of chord ${groupId}`, (client) => this.chords.setSize(client, groupId, size));
  }

  chordPartReturn(part: ChordPart): Promise<ChordJoin> {
    return this.command(`reporting task ${part.taskId} to chord ${part.groupId}`, (client) => this.chords.partReturn(client, part));
  }

  saveGroup(groupId: string, tuple: unknown): Promise<void> {
    return this.command(`saving group ${groupId}`, (client) => this.chords.saveGroup(client, groupId, tuple));
  }

  restoreGroup(groupId: string): Promise<unknown> {
    return this.command(`restoring group ${groupId}`, (client) => this.chords.restoreGroup(client, groupId));
  }

  forgetGroup(groupId: string): Promise<void> {
    return this.command(`forgetting group ${groupId}`, (client) => this.chords.forgetGroup(client, groupId));
  }

  /**
   * Run commands after this instance's queued result writes (a header task's own result goes
   * first), failing with BACKEND_ERROR — or BACKEND_CLOSED when the backend stops meanwhile.
   */
  private async command<T>(action: string, fn: (client: RedisClient) => Promise<T>): Promise<T> {
    const session = this.open();
    session.writer.flush();
    try {
      return await Promise.race([fn(session.commands), session.closed]);
    } catch (error) {
      if (error instanceof CeleriacError) throw error;
      throw redisFailure('BACKEND_ERROR', `redis result backend: ${action}`, error);
    }
  }

  private open(): Session {
    if (this.session !== undefined) return this.session;
    if (this.phase === 'stopped') throw closedError();
    this.phase = 'open';
    const commands = createRedisClient(this.url, { ...this.connection, role: 'commands' });
    const subscriberConnection = createRedisClient(this.url, { ...this.connection, role: 'subscriber' });
    watchConnection(commands, 'commands', this.logger);
    watchConnection(subscriberConnection, 'subscriber', this.logger);
    const waiters = new WaiterRegistry(this.clock);
    const seconds = String(this.expiresSeconds);
    const writer = new ResultWriter(
      (keys, values) =>
        storeResults.run(commands, keys, [seconds, ...values]).catch((error: unknown) => {
          throw redisFailure('BACKEND_ERROR', `redis result backend: storing ${keys.length} result(s)`, error);
        }),
      { maxBatchSize: this.maxBatchSize, maxBatchChars: this.maxBatchChars },
    );
    const subscriber = new ResultSubscriber({
      subscriber: subscriberConnection,
      commands,
      keys: this.keys,
      isWatched: (taskId) => waiters.has(taskId),
      onValue: (taskId, text) => settleIfReady(waiters, taskId, text),
      onFailure: (taskIds, cause) => {
        const error = redisFailure('BACKEND_ERROR', 'redis result backend: watching for results', cause);
        for (const taskId of taskIds) waiters.fail(taskId, error);
      },
      now: () => this.clock.now(),
      setTimer: (fn, delayMs) => this.clock.setTimer(fn, delayMs),
    });
    let close!: (error: Error) => void;
    const closed = new Promise<never>((_resolve, reject) => (close = reject));
    closed.catch(() => {}); // observed by whoever races it; never an unhandled rejection
    this.session = { waiters, commands, subscriberConnection, writer, subscriber, closed, close };
    return this.session;
  }
}

/** A value published or read for a waited-for task: settle its waiters if it is ready. */
function settleIfReady(waiters: WaiterRegistry, taskId: string, text: string): void {
  let meta: ResultMeta;
  try {
    meta = decodeResultMeta(taskId, text);
  } catch (error) {
    waiters.fail(taskId, error);
    return;
  }
  if (READY_STATES.has(meta.status)) waiters.settle(taskId, meta);
}

/** Report a connection's trouble once per outage, not on every reconnect attempt. */
function watchConnection(client: RedisClient, role: 'commands' | 'subscriber', logger: RedisBackendLogger): void {
  let failing = false;
  client.on('error', (error: unknown) => {
    if (failing) return;
    failing = true;
    logger.warn(`redis result backend (${role} connection): ${describe(error)}; reconnecting`);
  });
  client.on('ready', () => (failing = false));
}

/**
 * Close at once. Writes are settled before this is called and reads are rejected through
 * `Session.closed`, so nothing is owed a reply; QUIT would only wait — behind the offline queue
 * for as long as Redis stays down when the connection is reconnecting.
 */
function close(client: RedisClient): void {
  dropRedisConnection(client);
}

function checkSize(taskId: string, text: string): void {
  // Three bytes per UTF-16 unit at most, so only a huge value needs counting.
  if (text.length * 3 <= MAX_VALUE_BYTES || Buffer.byteLength(text) <= MAX_VALUE_BYTES) return;
  throw new CeleriacError('BACKEND_ERROR', `the result of task ${taskId} is larger than Redis's 512 MB value limit`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function closedError(): CeleriacError {
  return new CeleriacError('BACKEND_CLOSED', 'the redis result backend is stopped');
}
