// What every interop test file sets up the same way: the environment check, its own Redis
// database, a temp folder for worker logs and the record file, the environment its workers and
// Python clients run with, and that folder's removal (or keeping) at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interopDbs, interopEnvironment, redisUrl, type InteropEnvironment } from './environment.js';

export interface InteropFile {
  /** What the machine has (for `describeInterop`). */
  readonly env: InteropEnvironment;
  /** The file's Redis database (`interopDbs`); FLUSHDB it before its tests. */
  readonly db: number;
  /** Broker and result backend URL: the file's database. */
  readonly url: string;
  /** The file's temp folder. */
  readonly dir: string;
  /** Where `tasks.record` appends (`INTEROP_RECORD_FILE`), in `dir`. */
  readonly recordFile: string;
  /** `INTEROP_BROKER_URL`, `INTEROP_RESULT_BACKEND` and `INTEROP_RECORD_FILE` for workers and Python clients. */
  readonly workerEnv: Record<string, string>;
  /** `name` in `dir` (a worker's log file). */
  readonly path: (name: string) => string;
  /** Removes `dir`; with `INTEROP_KEEP_LOGS=1` keeps it and prints where it is. */
  readonly cleanUp: () => void;
}

/** The set-up of the interop test file whose database is `interopDbs[name]`. */
export async function interopFile(name: keyof typeof interopDbs): Promise<InteropFile> {
  const env = await interopEnvironment();
  const db = interopDbs[name];
  const url = redisUrl(db);
  const dir = mkdtempSync(join(tmpdir(), `celeriac-interop-${name}-`));
  const recordFile = join(dir, 'record.txt');
  return {
    env,
    db,
    url,
    dir,
    recordFile,
    workerEnv: { INTEROP_BROKER_URL: url, INTEROP_RESULT_BACKEND: url, INTEROP_RECORD_FILE: recordFile },
    path: (file) => join(dir, file),
    cleanUp: () => {
      if (process.env.INTEROP_KEEP_LOGS === '1') process.stdout.write(`# interop logs kept in ${dir}\n`);
      else rmSync(dir, { recursive: true, force: true });
    },
  };
}
