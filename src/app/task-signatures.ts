/**
 * The canvas methods of a task handle (Celery's `Task.s` / `si` / `signature` / `map` /
 * `starmap` / `chunks`), shared by `app.task()` and `app.remoteTask()` handles.
 */
import { Chunks, mapSignature, Signature, starmapSignature, type SignatureOptions } from '../canvas/signature.js';
import type { AppCanvas } from './app-canvas.js';
import type { ApplyOptions } from './apply-options.js';
import type { TaskSignatures } from './task-types.js';

/**
 * @param defaults a remote task's default options; the routing ones (queue, exchange, routing
 *   key, priority, serializer, ignoreResult) are carried by its signatures too.
 */
export function taskSignatures(canvas: AppCanvas, name: string, applyDefaults: ApplyOptions = {}): TaskSignatures<unknown[], unknown> {
  const { queue, exchange, routingKey, priority, serializer, ignoreResult } = applyDefaults;
  const picked = { queue, exchange, routingKey, priority, serializer, ignoreResult };
  const defaults = Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined)) as SignatureOptions;
  const signature = (args: unknown[] = [], kwargs: Record<string, unknown> = {}, options: SignatureOptions = {}) =>
    new Signature({ task: name, args, kwargs, options: { ...defaults, ...options } }, canvas);
  return {
    s: (...args: unknown[]) => signature(args),
    si: (...args: unknown[]) => signature(args).setImmutable(true),
    signature,
    map: (items: unknown[]) => mapSignature(signature(), items, canvas),
    starmap: (items: unknown[][]) => starmapSignature(signature(), items, canvas),
    chunks: (items: unknown[][], n: number) => new Chunks(signature(), items, n, {}, canvas),
  };
}
