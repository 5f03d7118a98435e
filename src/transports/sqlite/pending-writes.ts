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
