import type { WireProperties } from '../../protocol/transport-message.js';

/** Highest (least urgent) priority the embedded transports keep; kombu's Redis max is 9 too. */
export const MAX_MESSAGE_PRIORITY = 9;

/**
 * A message's queue priority: `properties.priority` clamped to 0..9, 0 when missing or not a
 * number (kombu's `_get_message_priority` with default priority 0). Lower is served first.
 */
export function messagePriority(properties: WireProperties): number {
  const priority = properties.priority;
  if (typeof priority !== 'number' || !(priority > 0)) return 0;
  return priority >= MAX_MESSAGE_PRIORITY ? MAX_MESSAGE_PRIORITY : Math.floor(priority);
}
