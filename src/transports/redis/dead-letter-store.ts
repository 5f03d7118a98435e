/**
 * Dead letters on Redis: the celeriac-only list `celeriac.dead_letters` (under the global key
 * prefix), one JSON record per message, oldest first. kombu has no dead letters on Redis (its
 * `deadletter_queue` is an ordinary queue, which a worker would consume), so a list no Python
 * worker reads keeps them apart. A record is `{"id", "queue", "reason", "diedAtMs", "envelope"}`
 * with the message's kombu envelope text, kept verbatim even when it is not a valid envelope.
 */
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../connections/redis-connection.js';
import { decodeEnvelope } from '../../protocol/redis-envelope.js';
import type { TransportMessage } from '../../protocol/transport-message.js';
import type { DeadLetter } from '../transport.js';
import type { KeyLayout } from './key-layout.js';
import { requeueDeadLetterScript } from './redis-scripts.js';

/** The stored form of a dead letter. */
interface DeadLetterRecord {
  id: string;
  queue: string;
  reason: string;
  diedAtMs: number;
  envelope: string;
}

/** A record's text, ready to RPUSH onto the dead-letter list. */
export function deadLetterRecord(envelope: string, queue: string, reason: string, diedAtMs: number): string {
  const record: DeadLetterRecord = { id: randomUUID(), queue, reason, diedAtMs, envelope };
  return JSON.stringify(record);
}

function parseRecord(text: string): DeadLetterRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Partial<DeadLetterRecord>;
  if (typeof record.id !== 'string' || typeof record.envelope !== 'string') return undefined;
  return {
    id: record.id,
    queue: typeof record.queue === 'string' ? record.queue : '',
    reason: typeof record.reason === 'string' ? record.reason : '',
    diedAtMs: typeof record.diedAtMs === 'number' ? record.diedAtMs : 0,
    envelope: record.envelope,
  };
}

/** The message of an envelope text; text that is no envelope comes back as the body, untyped. */
function messageOf(envelope: string): TransportMessage {
  try {
    return decodeEnvelope(envelope).message;
  } catch {
    return { body: Buffer.from(envelope), contentType: '', contentEncoding: '', headers: {}, properties: {} };
  }
}

export class DeadLetterStore {
  constructor(private readonly layout: KeyLayout) {}

  /** Dead letters, oldest first (records that cannot be parsed are left out). */
  async list(client: RedisClient, limit?: number): Promise<DeadLetter[]> {
    if (limit === 0) return [];
    const stop = limit === undefined || limit < 0 ? -1 : limit - 1;
    const texts = await client.lrange(this.layout.deadLetters, 0, stop);
    const letters: DeadLetter[] = [];
    for (const text of texts) {
      const record = parseRecord(text);
      if (record === undefined) continue;
      letters.push({
        id: record.id,
        queue: record.queue,
        reason: record.reason,
        diedAtMs: record.diedAtMs,
        message: messageOf(record.envelope),
      });
    }
    return letters;
  }

  /**
   * Moves the letters (all, or those ids) to the back of their queues; returns how many moved.
   * Letters without a queue (unacked records that named none) stay.
   */
  async requeue(client: RedisClient, ids?: readonly string[]): Promise<number> {
    const wanted = ids === undefined ? undefined : new Set(ids);
    const texts = await client.lrange(this.layout.deadLetters, 0, -1);
    const keys = [this.layout.deadLetters];
    const args: string[] = [];
    for (const text of texts) {
      const record = parseRecord(text);
      if (record === undefined || (wanted !== undefined && !wanted.has(record.id))) continue;
      if (record.queue === '') continue; // an unacked record nobody could route: no queue to go back to
      const listKey = this.layout.listKeyFor(record.queue, messageOf(record.envelope).properties);
      let index = keys.indexOf(listKey);
      if (index === -1) index = keys.push(listKey) - 1;
      args.push(text, String(index + 1), record.envelope);
    }
    if (args.length === 0) return 0;
    return Number(await requeueDeadLetterScript.run(client, keys, args));
  }
}
