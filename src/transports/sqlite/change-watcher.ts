/**
 * Wakes the sqlite transport when another process may have committed, without busy polling.
 *
 * Choice: in WAL mode every commit appends to `<db>-wal`, so an `fs.watch` on the database's
 * directory (inotify / FSEvents / ReadDirectoryChangesW), filtered to that file name, fires
 * within a millisecond of a commit by any process. The directory is watched, not the file,
 * because the `-wal` file is deleted and re-created as connections come and go. File events
 * can be lost or unsupported (network file systems, some container mounts), so a slow poll
 * (`pollIntervalMs`) runs too. Both only *signal*: the transport then compares
 * `PRAGMA data_version` — which changes exactly when another connection committed — and does
 * nothing if it did not, so this process's own writes (which also touch the file) cost one
 * cheap pragma per event-loop turn at most. Signals are coalesced to one per turn.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Clock } from '../../internal/clock.js';
import type { TransportLogger } from '../transport.js';

export interface ChangeWatcherOptions {
  /** The database file; null = poll only (`:memory:`). */
  dbPath: string | null;
  pollIntervalMs: number;
  clock: Clock;
  logger: TransportLogger;
  /** Called at most once per event-loop turn after file events, and on every poll. */
  onSignal(): void;
}

export class ChangeWatcher {
  readonly #options: ChangeWatcherOptions;
  #watcher: FSWatcher | undefined;
  #cancelPoll: (() => void) | undefined;
  #signalScheduled = false;
  #running = false;

  constructor(options: ChangeWatcherOptions) {
    this.#options = options;
  }

  /** True while file events are being received (false: polling only). */
  get watching(): boolean {
    return this.#watcher !== undefined;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#openWatcher();
    this.#schedulePoll();
  }

  stop(): void {
    this.#running = false;
    this.#cancelPoll?.();
    this.#cancelPoll = undefined;
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  #openWatcher(): void {
    const { dbPath } = this.#options;
    if (dbPath === null) return;
    const walName = `${basename(dbPath)}-wal`;
    try {
      // persistent: false — watching alone must not keep the process alive.
      const watcher = watch(dirname(dbPath), { persistent: false }, (_event, filename) => {
        if (filename === walName) this.#signalSoon();
      });
      watcher.on('error', (error) => {
        this.#options.logger.warn(
          `sqlite transport: file watch on ${dirname(dbPath)} failed (${String(error)}); ` +
            `polling every ${this.#options.pollIntervalMs} ms instead`,
        );
        watcher.close();
        if (this.#watcher === watcher) this.#watcher = undefined;
      });
      this.#watcher = watcher;
    } catch {
      // Watching unsupported here: the poll covers it.
      this.#watcher = undefined;
    }
  }

  #signalSoon(): void {
    if (this.#signalScheduled || !this.#running) return;
    this.#signalScheduled = true;
    setImmediate(() => {
      this.#signalScheduled = false;
      if (this.#running) this.#options.onSignal();
    });
  }

  #schedulePoll(): void {
    this.#cancelPoll = this.#options.clock.setTimer(() => {
      if (!this.#running) return;
      this.#options.onSignal();
      this.#schedulePoll();
    }, this.#options.pollIntervalMs);
  }
}
