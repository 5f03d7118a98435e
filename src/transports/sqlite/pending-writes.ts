import type { MessageRecord } from './message-store.js';

/** Writes waiting for the next commit (one transaction per event-loop turn). */
export interface PendingWrites {
  /** Messages to route and insert. */
  inserts: MessageRecord[];
  /** Rows to delete (acks, and rejects without requeue). */
  acks: number[];
  /** Rows to give back, redelivered (rejects with requeue). */
  releases: number[];
  /** Rows leased but never handed out, to give back as they were. */
  unleases: number[];
  /** Rows to move to the dead letters, with `deadLetterReasons[i]`. */
  deadLetterIds: number[];
  deadLetterReasons: string[];
}

export function noPendingWrites(): PendingWrites {
  return { inserts: [], acks: [], releases: [], unleases: [], deadLetterIds: [], deadLetterReasons: [] };
}

export function hasPendingWrites(w: PendingWrites): boolean {
  return (
    w.inserts.length + w.acks.length + w.releases.length + w.unleases.length + w.deadLetterIds.length >
    0
  );
}

/** Destinations named in a failure message before it says "…". */
const NAMED_DESTINATIONS = 3;

/**
 * What a batch of writes was, for the message of an error every caller of the batch shares:
 * `"publish to 'celery'"`, `"2 publishes to 'celery', 'video' and 1 ack"`. Only built when a
 * commit failed, so it may allocate.
 */
export function describeWrites(w: PendingWrites): string {
  const parts: string[] = [];
  if (w.inserts.length > 0) {
    const destinations = new Set<string>();
    for (const record of w.inserts) {
      destinations.add(
        record.exchange === ''
          ? `'${record.routingKey}'`
          : `exchange '${record.exchange}' (routing key '${record.routingKey}')`,
      );
    }
    const named = [...destinations].slice(0, NAMED_DESTINATIONS).join(', ');
    const more = destinations.size > NAMED_DESTINATIONS ? ', …' : '';
    parts.push(`${counted(w.inserts.length, 'publish', 'publishes')} to ${named}${more}`);
  }
  if (w.acks.length > 0) parts.push(counted(w.acks.length, 'ack', 'acks'));
  if (w.releases.length > 0) parts.push(counted(w.releases.length, 'requeue', 'requeues'));
  if (w.deadLetterIds.length > 0) parts.push(counted(w.deadLetterIds.length, 'dead-lettering', 'dead-letterings'));
  if (w.unleases.length > 0) parts.push(counted(w.unleases.length, 'give-back', 'give-backs'));
  if (parts.length === 0) return 'leasing messages';
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]!}`;
}

function counted(n: number, one: string, many: string): string {
  return n === 1 ? one : `${n} ${many}`;
}
