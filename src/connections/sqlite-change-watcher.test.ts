import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { SqliteChangeWatcher, type SqliteChangeWatcherOptions } from './sqlite-change-watcher.js';
import { openSqliteDatabase, type SqliteDatabase } from './sqlite-database.js';
import { watchedDirectoryCount } from './wal-file-watch.js';

/** Far beyond any test's duration: a subscriber woken in time was woken by the file watch. */
const NO_POLL_MS = 60_000;
const CASE = { timeout: 20_000 };

/** Resolves the next time `predicate` holds after one of the notifications it is attached to. */
class Signal {
  #waiters: { predicate: () => boolean; resolve: () => void }[] = [];

  notify(): void {
    for (const waiter of [...this.#waiters]) {
      if (!waiter.predicate()) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  until(predicate: () => boolean): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ predicate, resolve }));
  }
}

describe('SqliteChangeWatcher', () => {
  let dir: string;
  let path: string;
  const cleanups: (() => void)[] = [];
  const dbs: SqliteDatabase[] = [];

  const open = (): SqliteDatabase => {
    const db = openSqliteDatabase(path, { busyTimeoutMs: 5_000 });
    dbs.push(db);
    return db;
  };
  const versionOf = (db: SqliteDatabase): (() => number) => {
    const statement = db.prepare<[], number>('PRAGMA data_version').pluck();
    return () => statement.get() ?? 0;
  };
  const watcher = (options: SqliteChangeWatcherOptions): SqliteChangeWatcher => {
    const w = new SqliteChangeWatcher(options);
    cleanups.push(() => w.stop());
    return w;
  };

  let hold: NodeJS.Timeout | undefined;

  beforeEach(() => {
    // The watcher holds nothing open by design; the test does, while it awaits file events.
    hold = setInterval(() => undefined, 1 << 30);
    dir = mkdtempSync(join(tmpdir(), 'celeriac-watcher-'));
    path = join(dir, 'watched.db');
  });
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    for (const db of dbs.splice(0)) db.close();
    rmSync(dir, { recursive: true, force: true });
    clearInterval(hold);
  });

  test('a burst of commits by another thread is seen to its end without the fallback poll', CASE, async () => {
    const N = 2_000;
    const reader = open();
    reader.exec('CREATE TABLE counter (n INTEGER NOT NULL)');
    const count = reader.prepare<[], number>('SELECT count(*) FROM counter').pluck();
    let seen = 0;
    const changed = new Signal();
    const w = watcher({
      path,
      pollIntervalMs: NO_POLL_MS,
      dataVersion: versionOf(reader),
      onChange: () => {
        seen = count.get() ?? 0;
        changed.notify();
      },
    });
    w.sync();
    w.start();
    assert.equal(w.watching, true);
    // A writer on another thread commits concurrently with this event loop, as another process
    // would: the file events of its last commits can race the commits becoming visible.
    const writer = new Worker(
      `const { workerData } = require('node:worker_threads');
       const Database = require(workerData.driver);
       const db = new Database(workerData.path, { timeout: 5000 });
       const insert = db.prepare('INSERT INTO counter (n) VALUES (?)');
       for (let i = 0; i < workerData.n; i++) insert.run(i);
       db.close();`,
      { eval: true, workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), path, n: N } },
    );
    const exited = new Promise<number>((resolve, reject) => {
      writer.once('error', reject);
      writer.once('exit', resolve);
    });
    await changed.until(() => seen === N);
    assert.equal(await exited, 0);
  });

  test('a commit made visible only after the last file event is caught by the trailing re-check', CASE, async () => {
    // The race the re-check exists for, made deterministic: one file event, and the "commit"
    // (data_version moving) becomes visible only after the watcher looked once.
    const wal = openSync(`${path}-wal`, 'a');
    cleanups.push(() => closeSync(wal));
    let version = 1;
    let reads = 0;
    const changed = new Signal();
    let changes = 0;
    const w = watcher({
      path,
      pollIntervalMs: NO_POLL_MS,
      dataVersion: () => {
        reads++;
        const current = version;
        if (reads === 2) version = 2; // visible only after the check right after the event
        return current;
      },
      onChange: () => {
        changes++;
        changed.notify();
      },
    });
    w.sync(); // read 1
    w.start();
    writeSync(wal, 'x'); // exactly one event
    await changed.until(() => changes === 1);
    assert.ok(reads >= 3, 'woken again after the event, without any further event');
  });

  test('the late trailing re-check catches a writer slower than the first one', CASE, async () => {
    const wal = openSync(`${path}-wal`, 'a');
    cleanups.push(() => closeSync(wal));
    let version = 1;
    let reads = 0;
    let changes = 0;
    const changed = new Signal();
    const w = watcher({
      path,
      pollIntervalMs: NO_POLL_MS,
      dataVersion: () => {
        reads++;
        const current = version;
        if (reads === 3) version = 2; // after the event's check and the first trailing one
        return current;
      },
      onChange: () => {
        changes++;
        changed.notify();
      },
    });
    w.sync(); // read 1
    w.start();
    writeSync(wal, 'x');
    await changed.until(() => changes === 1);
    assert.equal(reads, 4);
  });

  test("its own connection's commits wake nothing; another connection's do", CASE, async () => {
    const own = open();
    const other = open();
    own.exec('CREATE TABLE t (v TEXT)');
    const readVersion = versionOf(own);
    let reads = 0;
    let changes = 0;
    const signal = new Signal();
    const w = watcher({
      path,
      pollIntervalMs: NO_POLL_MS,
      dataVersion: () => {
        reads++;
        signal.notify();
        return readVersion();
      },
      onChange: () => {
        changes++;
        signal.notify();
      },
    });
    w.sync();
    w.start();
    reads = 0;
    const insertOwn = own.prepare(`INSERT INTO t (v) VALUES ('own')`);
    for (let i = 0; i < 10; i++) insertOwn.run();
    // The check right after the events and both trailing re-checks have looked.
    await signal.until(() => reads >= 3);
    assert.equal(changes, 0);
    other.prepare(`INSERT INTO t (v) VALUES ('other')`).run();
    await signal.until(() => changes === 1);
  });

  test('falls back to polling when the file is not watched', CASE, async () => {
    const own = open();
    const other = open();
    other.exec('CREATE TABLE t (v TEXT)');
    const changed = new Signal();
    let changes = 0;
    const w = watcher({
      path,
      watchFile: false,
      pollIntervalMs: 5,
      dataVersion: versionOf(own),
      onChange: () => {
        changes++;
        changed.notify();
      },
    });
    w.sync();
    w.start();
    assert.equal(w.watching, false);
    other.prepare(`INSERT INTO t (v) VALUES ('polled')`).run();
    await changed.until(() => changes === 1);
  });

  test('onChange returning false is asked again at the next wake-up', CASE, async () => {
    const own = open();
    const other = open();
    other.exec('CREATE TABLE t (v TEXT)');
    let calls = 0;
    const called = new Signal();
    const w = watcher({
      path,
      watchFile: false,
      pollIntervalMs: 5,
      dataVersion: versionOf(own),
      onChange: () => {
        calls++;
        called.notify();
        return calls > 1; // the first attempt "fails to read"
      },
    });
    w.sync();
    w.start();
    other.prepare(`INSERT INTO t (v) VALUES ('once')`).run();
    await called.until(() => calls === 2);
  });

  test('start and stop are idempotent; nothing is called after stop; timers do not hold the process', CASE, async () => {
    const own = open();
    const other = open();
    other.exec('CREATE TABLE t (v TEXT)');
    let changes = 0;
    const changed = new Signal();
    const w = watcher({
      path,
      pollIntervalMs: 10,
      dataVersion: versionOf(own),
      onChange: () => {
        changes++;
        changed.notify();
      },
    });
    // What could hold the loop: timers and file watches (listed only while ref'd).
    const holding = (): number =>
      process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r.startsWith('FSEvent')).length;
    const heldBefore = holding();
    w.sync();
    w.start();
    w.start();
    assert.equal(w.running, true);
    assert.equal(holding(), heldBefore, 'no ref’d timer or watch');
    other.prepare(`INSERT INTO t (v) VALUES ('a')`).run();
    await changed.until(() => changes === 1);
    w.stop();
    w.stop();
    assert.equal(w.running, false);
    assert.equal(w.watching, false);
    other.prepare(`INSERT INTO t (v) VALUES ('b')`).run();
    // Restarting without sync() reports the unknown state once, then only new commits.
    w.start();
    await changed.until(() => changes === 2);
    w.stop();
    assert.equal(changes, 2);
  });

  test('watchers of one directory share one fs.watch, released with the last of them', CASE, async () => {
    const before = watchedDirectoryCount();
    const own = open();
    const other = open();
    other.exec('CREATE TABLE t (v TEXT)');
    const changed = new Signal();
    const counts = [0, 0];
    const make = (i: 0 | 1): SqliteChangeWatcher =>
      watcher({
        path: i === 0 ? path : join(dir, 'second.db'),
        pollIntervalMs: NO_POLL_MS,
        dataVersion: versionOf(own),
        onChange: () => {
          counts[i]!++;
          changed.notify();
        },
      });
    const first = make(0);
    const second = make(1);
    const third = make(0);
    for (const w of [first, second, third]) {
      w.sync();
      w.start();
    }
    assert.equal(watchedDirectoryCount(), before + 1);
    first.stop();
    assert.equal(watchedDirectoryCount(), before + 1);
    other.prepare(`INSERT INTO t (v) VALUES ('x')`).run();
    // Only `third` follows this file (second.db's -wal has no events); `first` is stopped.
    await changed.until(() => counts[0] === 1);
    assert.equal(counts[1], 0);
    second.stop();
    third.stop();
    assert.equal(watchedDirectoryCount(), before);
  });

  test('an in-memory database is polled, not watched', () => {
    const w = watcher({ path: ':memory:', dataVersion: () => 0, onChange: () => undefined });
    w.start();
    assert.equal(w.watching, false);
    assert.equal(w.pollIntervalMs, 500);
    w.pollIntervalMs = 0;
    assert.equal(w.pollIntervalMs, 1);
  });
});
