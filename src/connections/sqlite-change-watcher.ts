/**
 * Tells a user of a SQLite file (the sqlite transport, the sqlite result backend) that another
 * connection — usually another process — committed, within a millisecond or so and without busy
 * polling.
 *
 * How: in WAL mode every commit appends frames to `<db>-wal`, so a file watch on it
 * (`wal-file-watch.ts`: inotify / FSEvents / ReadDirectoryChangesW, one per directory, shared)
 * fires on every commit of any process. An event only *suggests* a change; the watcher then reads
 * the user's `PRAGMA data_version`, which moves exactly when a connection other than the user's
 * own committed, and calls `onChange` only then. So this process's own writes (which touch the
 * file too) cost one cheap pragma per event-loop turn, no query.
 *
 * Three wake-ups:
 * 1. Right after a file event, once per event-loop turn however many events came.
 * 2. Trailing re-checks {@link TRAILING_CHECKS_MS} (5 and 50 ms) after the *last* event of a
 *    burst. A writer appends the commit's frames (each `write()` is an event) and only then
 *    publishes the commit in the `-shm` index, which is memory-mapped and raises no event: a
 *    reader woken by the last write can look before the commit is visible and find nothing, and
 *    no later event would come. The 50 ms check covers a writer preempted in that gap.
 * 3. A fallback poll every `pollIntervalMs`, for file systems whose events are lost or
 *    unsupported (network file systems, some container mounts).
 *
 * All timers are unref'd and the watch is not persistent: a watcher never keeps the process
 * alive (a user that must, like a result backend with waiters, holds the loop open itself).
 * Timers are real ones, not the injected clock: they track the OS's file events, not task time.
 */
import { isInMemorySqlitePath } from './sqlite-database.js';
import { walFileOf, watchWalFile, type WalFileListener, type WalFileLocation } from './wal-file-watch.js';

/** Delays after the last file event of a burst at which the watcher looks again, in ms. */
export const TRAILING_CHECKS_MS: readonly number[] = [5, 50];

/** Defaults of {@link SqliteChangeWatcherOptions}. */
export const sqliteChangeWatcherDefaults = {
  pollIntervalMs: 500,
  watchFile: true,
} as const;

/** Options of {@link SqliteChangeWatcher}. */
export interface SqliteChangeWatcherOptions {
  /** The database file; `null`, `''` or `:memory:` = poll only (nothing to watch). */
  path: string | null;
  /**
   * Reads `PRAGMA data_version` on the user's own connection (the value moves when *another*
   * connection commits, never for that connection's own commits). A throw counts as "maybe
   * changed".
   */
  dataVersion(): number;
  /**
   * Another connection committed since the last call (or since {@link SqliteChangeWatcher.sync}).
   * Return `false` when the change could not be handled (a read failed): the next wake-up then
   * calls again even if nothing else changed.
   */
  onChange(): boolean | void;
  /** Fallback poll interval in milliseconds; default 500. Changeable while running. */
  pollIntervalMs?: number;
  /** Watch the `-wal` file; false = poll only. Default true. */
  watchFile?: boolean;
  /** The file watch failed or broke (polling goes on); default: ignored. */
  onWatchError?(error: unknown): void;
}

/**
 * One user's view of another connection's commits to a SQLite file. `start()` / `stop()` are
 * idempotent and may be repeated; `onChange` is never called while stopped.
 *
 * @example
 * const version = db.prepare('PRAGMA data_version').pluck();
 * const watcher = new SqliteChangeWatcher({
 *   path: '/var/lib/celeriac/broker.db',
 *   dataVersion: () => version.get() as number,
 *   onChange: () => lookForNewRows(),
 * });
 * watcher.sync(); // before reading, so a commit landing after the read counts as a change
 * lookForNewRows();
 * watcher.start();
 */
export class SqliteChangeWatcher {
  readonly #options: SqliteChangeWatcherOptions;
  readonly #walFile: WalFileLocation | undefined;
  readonly #listener: WalFileListener = {
    onEvent: () => this.#onFileEvent(),
    onError: (error) => this.#onWatchError(error),
  };
  #pollIntervalMs: number;
  #running = false;
  #unwatch: (() => void) | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #checkScheduled = false;
  #trailingTimer: NodeJS.Timeout | undefined;
  /** Index into TRAILING_CHECKS_MS of the trailing check the timer is armed for. */
  #trailingStage = 0;
  #lastEventAtMs = 0;
  /** `data_version` already reported (or synced); undefined = unknown, the next check reports. */
  #seenVersion: number | undefined;

  constructor(options: SqliteChangeWatcherOptions) {
    this.#options = options;
    const watchFile = options.watchFile ?? sqliteChangeWatcherDefaults.watchFile;
    const { path } = options;
    this.#walFile = watchFile && path !== null && !isInMemorySqlitePath(path) ? walFileOf(path) : undefined;
    this.#pollIntervalMs = clampInterval(options.pollIntervalMs ?? sqliteChangeWatcherDefaults.pollIntervalMs);
  }

  /** True between {@link start} and {@link stop}. */
  get running(): boolean {
    return this.#running;
  }

  /** True while file events arrive (false: polling only). */
  get watching(): boolean {
    return this.#unwatch !== undefined;
  }

  /** The fallback poll interval in milliseconds (at least 1). */
  get pollIntervalMs(): number {
    return this.#pollIntervalMs;
  }

  /** Changes the fallback poll interval; a running poll is re-armed with it. */
  set pollIntervalMs(intervalMs: number) {
    const next = clampInterval(intervalMs);
    if (next === this.#pollIntervalMs) return;
    this.#pollIntervalMs = next;
    if (!this.#running) return;
    clearTimeout(this.#pollTimer);
    this.#schedulePoll();
  }

  /** Starts watching and polling. Idempotent. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#openWatch();
    this.#schedulePoll();
  }

  /**
   * Stops watching and polling, and forgets the last `data_version` (the user may reconnect,
   * and versions of two connections do not compare). Idempotent.
   */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#unwatch?.();
    this.#unwatch = undefined;
    clearTimeout(this.#pollTimer);
    this.#pollTimer = undefined;
    clearTimeout(this.#trailingTimer);
    this.#trailingTimer = undefined;
    this.#seenVersion = undefined;
  }

  /**
   * Takes the current `data_version` as seen. Call it just *before* reading what `onChange`
   * would re-read: a commit landing after the read then still counts as a change. Without it
   * the first check after `start()` reports a change.
   */
  sync(): void {
    try {
      this.#seenVersion = this.#options.dataVersion();
    } catch {
      this.#seenVersion = undefined;
    }
  }

  #openWatch(): void {
    if (this.#walFile === undefined) return;
    try {
      this.#unwatch = watchWalFile(this.#walFile, this.#listener);
    } catch (error) {
      this.#options.onWatchError?.(error);
    }
  }

  #onWatchError(error: unknown): void {
    this.#unwatch = undefined;
    if (this.#running) this.#options.onWatchError?.(error);
  }

  #onFileEvent(): void {
    if (!this.#running) return;
    this.#lastEventAtMs = performance.now();
    if (this.#trailingTimer === undefined) {
      this.#trailingStage = 0;
      this.#trailingTimer = unrefTimer(this.#trailingCheck, TRAILING_CHECKS_MS[0]!);
    } else if (this.#trailingStage !== 0) {
      // A new burst while waiting for a late check: start over from the first one.
      clearTimeout(this.#trailingTimer);
      this.#trailingStage = 0;
      this.#trailingTimer = unrefTimer(this.#trailingCheck, TRAILING_CHECKS_MS[0]!);
    }
    if (this.#checkScheduled) return;
    this.#checkScheduled = true;
    setImmediate(this.#checkAfterEvent);
  }

  readonly #checkAfterEvent = (): void => {
    this.#checkScheduled = false;
    if (this.#running) this.#check();
  };

  /** One timer per burst, re-armed while events keep coming, not one per event. */
  readonly #trailingCheck = (): void => {
    this.#trailingTimer = undefined;
    if (!this.#running) return;
    const quietMs = performance.now() - this.#lastEventAtMs;
    const dueMs = TRAILING_CHECKS_MS[this.#trailingStage]!;
    if (quietMs < dueMs) {
      this.#trailingTimer = unrefTimer(this.#trailingCheck, dueMs - quietMs);
      return;
    }
    this.#check();
    const nextMs = TRAILING_CHECKS_MS[this.#trailingStage + 1];
    if (nextMs === undefined || !this.#running || this.#trailingTimer !== undefined) return;
    this.#trailingStage++;
    this.#trailingTimer = unrefTimer(this.#trailingCheck, nextMs - quietMs);
  };

  readonly #poll = (): void => {
    this.#pollTimer = undefined;
    if (!this.#running) return;
    this.#check();
    if (this.#running && this.#pollTimer === undefined) this.#schedulePoll();
  };

  #schedulePoll(): void {
    this.#pollTimer = unrefTimer(this.#poll, this.#pollIntervalMs);
  }

  #check(): void {
    let version: number | undefined;
    try {
      version = this.#options.dataVersion();
    } catch {
      version = undefined;
    }
    if (version !== undefined && version === this.#seenVersion) return;
    const previous = this.#seenVersion;
    this.#seenVersion = version;
    if (this.#options.onChange() === false && this.#seenVersion === version) this.#seenVersion = previous;
  }
}

function unrefTimer(fn: () => void, delayMs: number): NodeJS.Timeout {
  const timer = setTimeout(fn, Math.max(1, delayMs));
  timer.unref();
  return timer;
}

/** Node's timers overflow past 2^31-1 ms and would fire at once. */
function clampInterval(intervalMs: number): number {
  return Math.min(2_147_483_647, Math.max(1, Number.isFinite(intervalMs) ? intervalMs : 2_147_483_647));
}
