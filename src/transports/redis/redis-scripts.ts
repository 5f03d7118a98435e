/** The Lua scripts of the Redis transport (each file's header documents KEYS, ARGV and reply). */
import { RedisScript } from '../../connections/redis-script.js';
import type { RedisClient } from '../../connections/redis-connection.js';

const script = (name: string, file: string): RedisScript =>
  RedisScript.fromFile(name, new URL(`./${file}`, import.meta.url));

export const popAndHoldScript = script('celeriacPopAndHold', 'pop-and-hold.lua');
export const ackHeldScript = script('celeriacAckHeld', 'ack-held.lua');
export const releaseHeldScript = script('celeriacReleaseHeld', 'release-held.lua');
export const requeueDeadLetterScript = script('celeriacRequeueDeadLetters', 'requeue-dead-letters.lua');
export const releaseMutexScript = script('celeriacReleaseMutex', 'release-mutex.lua');
export const takeRateTokenScript = script('celeriacTakeRateToken', 'take-rate-token.lua');
export const reclaimLostScript = script('celeriacReclaimLost', 'reclaim-lost.lua');

/** Defines every script on `client`, so pipelines created from it can run them. */
export function defineTransportScripts(client: RedisClient): void {
  for (const s of [popAndHoldScript, ackHeldScript, releaseHeldScript, requeueDeadLetterScript, releaseMutexScript, takeRateTokenScript]) {
    s.define(client);
  }
}
