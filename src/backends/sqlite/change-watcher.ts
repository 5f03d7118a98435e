/**
 * Tells a sqlite backend when another process may have committed, without busy polling: every
 * commit in WAL mode appends to the `<db>-wal` file, so an `fs.watch` on it (inotify / FSEvents /
 * ReadDirectoryChangesW) fires within a millisecond or so. File-watch events can be lost (network
 * file systems, some containers), so a slow fallback poll runs too. One watcher serves all waiters
 * of a backend; it runs only while someone waits.
 *
 * Events are coalesced: however many arrive during one event-loop turn, `onWake` runs once.
 * `onWake` must be cheap when nothing changed (the backend checks `PRAGMA data_version` first),
 * since this process's own writes wake it too.
 *
 * A file event can arrive before the commit it belongs to is visible: the writer appends the WAL
 * frames (each `write()` is an event) and only then publishes the commit in the `-shm` index, which
 * is memory-mapped and raises no event. So besides waking at once, the watcher wakes again
 * {@link SETTLE_MS} after the last event of a burst, when the writer has long finished.
 */
import { watch, type FSWatcher } from 'node:fs';

/** Quiet time after the last file event before the trailing wake-up, in milliseconds. */
export const SETTLE_MS = 5;

export interface ChangeWatcherOptions {
  /** The file to watch (the database's `-wal`); null = poll only (e.g. `:memory:`). */
  watchPath: string | null;
  /** Called at most once per event-loop turn after a file event, and on every poll tick. */
  onWake(): void;
}

export class ChangeWatcher {
  private watcher: FSWatcher | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private intervalMs = Infinity;
  private wakeScheduled = false;
  private running = false;
  private lastEventAtMs = 0;
  private settleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ChangeWatcherOptions) {}

  /**
   * Start watching, or keep watching and poll at least every `intervalMs` milliseconds. The poll
   * timer is ref'd on purpose: a process awaiting a result must stay alive until it arrives.
   */
  start(intervalMs: number): void {
    if (!this.running) {
      this.running = true;
      this.openWatcher();
    }
    if (intervalMs < this.intervalMs) {
      this.intervalMs = Math.max(1, intervalMs);
      clearTimeout(this.pollTimer);
      this.pollTimer = setTimeout(this.poll, this.intervalMs);
    }
  }

  /** Stop watching and polling. Idempotent. */
  stop(): void {
    this.running = false;
    this.intervalMs = Infinity;
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }

  /** True while a file watch is active (false when only polling). */
  get watching(): boolean {
    return this.watcher !== undefined;
  }

  private openWatcher(): void {
    if (this.options.watchPath === null) return;
    try {
      // persistent: false — the poll timer, not the watch, keeps the process alive.
      const watcher = watch(this.options.watchPath, { persistent: false }, this.onFileEvent);
      watcher.on('error', () => {
        // The file went away or the watch broke: fall back to polling until the next start().
        watcher.close();
        if (this.watcher === watcher) this.watcher = undefined;
      });
      this.watcher = watcher;
    } catch {
      // No -wal yet or watching unsupported here: the poll still covers it.
      this.watcher = undefined;
    }
  }

  private readonly onFileEvent = (): void => {
    if (!this.running) return;
    this.lastEventAtMs = performance.now();
    if (this.settleTimer === undefined) this.settleTimer = setTimeout(this.wakeAfterSettle, SETTLE_MS);
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(this.wakeFromFile);
  };

  private readonly wakeAfterSettle = (): void => {
    const quietMs = performance.now() - this.lastEventAtMs;
    if (quietMs < SETTLE_MS) {
      // More events came: wait until the burst is over (one timer per burst, not per event).
      this.settleTimer = setTimeout(this.wakeAfterSettle, SETTLE_MS - quietMs);
      return;
    }
    this.settleTimer = undefined;
    if (this.running) this.options.onWake();
  };

  private readonly wakeFromFile = (): void => {
    this.wakeScheduled = false;
    if (this.running) this.options.onWake();
  };

  private readonly poll = (): void => {
    this.pollTimer = undefined;
    if (!this.running) return;
    this.options.onWake();
    if (this.running && this.pollTimer === undefined) this.pollTimer = setTimeout(this.poll, this.intervalMs);
  };
}
