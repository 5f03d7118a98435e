/**
 * File events on SQLite `-wal` files, with one `fs.watch` per directory per process however many
 * connections listen: a worker's transport and result backend on one file (or many files in
 * one directory) cost one inotify watch / FSEvents stream / ReadDirectoryChangesW handle, shared
 * and reference-counted.
 *
 * The directory is watched, not the `-wal` file: SQLite deletes and re-creates that file as
 * connections come and go (and it need not exist yet), which would silently end a watch on the
 * file itself. Events are filtered by file name.
 *
 * The table of shared watches is module state on purpose: it mirrors an OS resource of the
 * process (like Node's own handle tables), holds nothing configurable, and empties itself when
 * the last listener leaves.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

/** Receives the events of one `-wal` file. */
export interface WalFileListener {
  /** Something touched the file (most often: a connection appended a commit's frames). */
  onEvent(): void;
  /** The shared watch broke; no more events will come to this listener. */
  onError(error: unknown): void;
}

interface DirectoryWatch {
  readonly watcher: FSWatcher;
  /** Listeners by the file name they follow (`<db>-wal`). */
  readonly byFile: Map<string, Set<WalFileListener>>;
  listeners: number;
  closed: boolean;
}

const watches = new Map<string, DirectoryWatch>();

/** Where the `-wal` file of a database lives: its directory (absolute) and its name in it. */
export interface WalFileLocation {
  directory: string;
  file: string;
}

/** The `-wal` file of the database at `dbPath` (relative paths resolve against the cwd). */
export function walFileOf(dbPath: string): WalFileLocation {
  const absolute = resolve(dbPath);
  return { directory: dirname(absolute), file: `${basename(absolute)}-wal` };
}

/**
 * Starts delivering the file events of the `-wal` file at `location` (see {@link walFileOf}) to
 * `listener` until the returned function is called (idempotent). Events are not coalesced here:
 * one `write()` by any process is one call.
 *
 * @throws the file system's error when the directory cannot be watched (missing, unsupported
 *   file system, watch limit reached); callers fall back to polling.
 */
export function watchWalFile(location: WalFileLocation, listener: WalFileListener): () => void {
  const { directory, file } = location;
  let entry = watches.get(directory);
  if (entry === undefined) {
    entry = openDirectoryWatch(directory);
    watches.set(directory, entry);
  }
  const shared = entry;
  let listeners = shared.byFile.get(file);
  if (listeners === undefined) {
    listeners = new Set();
    shared.byFile.set(file, listeners);
  }
  listeners.add(listener);
  shared.listeners++;
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    if (shared.closed || listeners.delete(listener) === false) return;
    if (listeners.size === 0) shared.byFile.delete(file);
    if (--shared.listeners === 0) closeDirectoryWatch(directory, shared);
  };
}

/** How many directories this process watches for `-wal` events (for diagnostics and tests). */
export function watchedDirectoryCount(): number {
  return watches.size;
}

function openDirectoryWatch(directory: string): DirectoryWatch {
  // persistent: false — a watch alone must never keep the process alive. Events come on later
  // turns, after `entry` exists.
  const watcher = watch(directory, { persistent: false }, (_event, filename) => dispatch(entry, filename));
  const entry: DirectoryWatch = { watcher, byFile: new Map(), listeners: 0, closed: false };
  watcher.on('error', (error) => {
    if (entry.closed) return;
    closeDirectoryWatch(directory, entry);
    for (const listeners of entry.byFile.values()) {
      for (const listener of listeners) listener.onError(error);
    }
  });
  return entry;
}

function dispatch(entry: DirectoryWatch, filename: string | Buffer | null): void {
  if (filename === null) {
    // The platform did not say which file changed: it may have been any of them.
    for (const listeners of entry.byFile.values()) notify(listeners);
    return;
  }
  const listeners = entry.byFile.get(typeof filename === 'string' ? filename : filename.toString());
  if (listeners !== undefined) notify(listeners);
}

function notify(listeners: Set<WalFileListener>): void {
  for (const listener of listeners) listener.onEvent();
}

function closeDirectoryWatch(directory: string, entry: DirectoryWatch): void {
  entry.closed = true;
  entry.watcher.close();
  if (watches.get(directory) === entry) watches.delete(directory);
}
