// Waiting for a result on either side, and when it never comes, failing with what Redis holds
// (which list the message sits in, what the result key says) instead of a bare timeout.
import { ResultTimeoutError, type AsyncResult } from 'celeriac';
import type { PythonOutcome } from './python-client.js';
import { redisSnapshot } from './redis-db.js';

/** `r.get()` with a timeout; a timeout fails with a snapshot of database `db`. */
export async function getOrDiagnose<R>(r: AsyncResult<R>, db: number, timeoutMs = 20_000): Promise<R> {
  try {
    return await r.get({ timeout: timeoutMs });
  } catch (err) {
    if (err instanceof ResultTimeoutError) {
      throw new Error(`celeriac: no result for ${r.id} after ${timeoutMs} ms\n${await redisSnapshot(db, { taskId: r.id })}`, { cause: err });
    }
    throw err;
  }
}

/** A Python wait that timed out fails with a snapshot of database `db`; otherwise `o` itself. */
export async function readyOrDiagnose(o: PythonOutcome, db: number): Promise<PythonOutcome> {
  if (o.state === 'TIMEOUT') {
    throw new Error(`Python: no result for ${o.id} (backend state ${o.backend_state})\n${await redisSnapshot(db, { taskId: o.id })}`);
  }
  return o;
}
