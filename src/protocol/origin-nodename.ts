/** The sender's node name Celery writes in the `origin` header. */
import { hostname } from 'node:os';

let cached: string | undefined;

/**
 * `gen<pid>@<hostname>` — Celery's `anon_nodename()`, the `origin` of a message sent from outside
 * a worker. Computed once per process.
 * @example originNodename() // 'gen17505@vm'
 */
export function originNodename(): string {
  cached ??= `gen${process.pid}@${hostname()}`;
  return cached;
}
