/**
 * Child process of backend.sqlite.test.ts: stores one result in a sqlite result backend file and
 * exits, so the parent can prove it is woken by another process's write.
 * Usage: node --import tsx backend.sqlite-writer.ts <db path> <task id> <status> <result JSON>
 */
import { SqliteBackend } from '../../src/backends/sqlite/sqlite-backend.js';
import { formatDateDone } from '../../src/protocol/result-codec.js';
import type { TaskState } from '../../src/protocol/task-state.js';

const [path, taskId, status, resultJson] = process.argv.slice(2);
if (!path || !taskId || !status || resultJson === undefined) {
  console.error('usage: backend.sqlite-writer.ts <db path> <task id> <status> <result JSON>');
  process.exit(2);
}
const backend = new SqliteBackend({ path });
await backend.storeResult({
  taskId,
  status: status as TaskState,
  result: JSON.parse(resultJson),
  traceback: null,
  children: [],
  dateDone: status === 'SUCCESS' ? formatDateDone(Date.now()) : null,
});
await backend.stop();
