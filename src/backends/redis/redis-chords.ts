/**
 * Chord joins and saved groups on Redis, with Celery's keys and values (`backend-chord` and
 * `backend-group` captures), so a chord whose header runs on Python workers and whose body runs on
 * celeriac completes, and the reverse:
 * - `celery-taskset-meta-<group>.s`: the chord size, `SETEX` + `PUBLISH` as Celery's `set`;
 * - `celery-taskset-meta-<group>.j`: a zset of `[1, task_id, state, result]` scored by group
 *   index (`chord-part-return.lua`);
 * - `celery-taskset-meta-<group>`: a saved group, `{"result": <tuple>}`.
 */
import type { RedisClient } from '../../connections/redis-connection.js';
import { RedisScript } from '../../connections/redis-script.js';
import { DecodeError } from '../../errors.js';
import { decodeJson, encodeJson } from '../../protocol/celery-json.js';
import { PROPAGATE_STATES, type TaskState } from '../../protocol/task-state.js';
import type { ChordJoin, ChordPart, ChordPartResult } from '../backend.js';
import { decodeSavedGroup, encodeSavedGroup } from '../saved-group.js';
import type { ResultKeys } from './result-keys.js';

const chordPartReturn = RedisScript.fromFile('celeriacChordPartReturn', new URL('./chord-part-return.lua', import.meta.url));

export class RedisChords {
  /** @param expiresSeconds lifetime of the keys (Celery's `result_expires`); 0 = none */
  constructor(
    private readonly keys: ResultKeys,
    private readonly expiresSeconds: number,
  ) {}

  async setSize(client: RedisClient, groupId: string, size: number): Promise<void> {
    const key = this.keys.group(groupId, '.s');
    const pipeline = client.pipeline();
    if (this.expiresSeconds > 0) pipeline.setex(key, this.expiresSeconds, String(size));
    else pipeline.set(key, String(size));
    pipeline.publish(key, String(size));
    await execute(pipeline);
  }

  async partReturn(client: RedisClient, part: ChordPart): Promise<ChordJoin> {
    const { groupId } = part;
    const member = encodeJson([1, part.taskId, part.state, part.result]);
    const reply = (await chordPartReturn.run(
      client,
      [this.keys.group(groupId, '.j'), this.keys.group(groupId, '.t'), this.keys.group(groupId, '.s')],
      [member, part.groupIndex === null ? '+inf' : String(part.groupIndex), String(this.expiresSeconds), PROPAGATE_STATES.has(part.state) ? '1' : '0'],
    )) as [number, ...string[]];
    switch (reply[0]) {
      case 1:
        return { kind: 'pending' };
      case 2:
        return { kind: 'complete', parts: reply.slice(1).map((text) => decodePart(groupId, text as string)) };
      case 3:
        return { kind: 'failed' };
      default:
        return { kind: 'closed' };
    }
  }

  async saveGroup(client: RedisClient, groupId: string, tuple: unknown): Promise<void> {
    const key = this.keys.group(groupId);
    const text = encodeSavedGroup(tuple);
    if (this.expiresSeconds > 0) await client.setex(key, this.expiresSeconds, text);
    else await client.set(key, text);
  }

  async restoreGroup(client: RedisClient, groupId: string): Promise<unknown> {
    const text = await client.get(this.keys.group(groupId));
    return text === null ? null : decodeSavedGroup(groupId, text);
  }

  async forgetGroup(client: RedisClient, groupId: string): Promise<void> {
    await client.del(this.keys.group(groupId));
  }
}

/** A `.j` member: `[1, task_id, state, result]` (Celery's `_unpack_chord_result` input). */
function decodePart(groupId: string, text: string): ChordPartResult {
  const value = decodeJson(text);
  if (!Array.isArray(value) || value.length !== 4 || typeof value[1] !== 'string' || typeof value[2] !== 'string') {
    throw new DecodeError(`chord ${groupId}: a part is not [1, task_id, state, result]: ${text.slice(0, 120)}`);
  }
  return { taskId: value[1], state: value[2] as TaskState, result: value[3] as unknown };
}

async function execute(pipeline: ReturnType<RedisClient['pipeline']>): Promise<void> {
  const replies = await pipeline.exec();
  for (const [error] of replies ?? []) if (error) throw error;
}
