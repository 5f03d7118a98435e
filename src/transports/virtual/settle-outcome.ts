/** What settling a delivery does to its message. */
export const SettleOutcome = {
  /** Gone for good. */
  Ack: 0,
  /** Back in its queue, delivered again with `redelivered` set. */
  Requeue: 1,
  /** Gone for good (a reject without requeue). */
  Drop: 2,
  /** Moved to the dead letters, with a reason. */
  DeadLetter: 3,
} as const;
export type SettleOutcome = (typeof SettleOutcome)[keyof typeof SettleOutcome];

/** Maps `Delivery.reject` options to an outcome (the reason only counts when dropping). */
export function rejectOutcome(options: {
  requeue: boolean;
  deadLetterReason?: string;
}): SettleOutcome {
  if (options.requeue) return SettleOutcome.Requeue;
  return options.deadLetterReason === undefined ? SettleOutcome.Drop : SettleOutcome.DeadLetter;
}
