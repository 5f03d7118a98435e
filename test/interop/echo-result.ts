// What `tasks.echo` returns on both sides (test/interop/python/interop_tasks.py and
// celeriac-app.ts), and the 1 MB argument both directions send.

/** The arguments as they arrived, the request with Celery's field names, and when it ran. */
export interface EchoResult {
  args: unknown[];
  kwargs: Record<string, unknown>;
  /** Every message header (custom ones included) plus the worker's request fields. */
  request: Record<string, unknown> & {
    id: string;
    eta: string | null;
    expires: string | null;
    retries: number;
    root_id: string;
    parent_id: string | null;
    delivery_info: { exchange: string; routing_key: string; priority: number | null };
  };
  worker: 'python' | 'celeriac';
  /** Unix time in seconds when the task body ran. */
  ran_at: number;
}

/** One million code points, ASCII mixed with two- and three-byte UTF-8 characters (all BMP). */
export function megabyteText(): string {
  const unit = 'interop-0123456789—ü€ß';
  return unit.repeat(Math.ceil(1_000_000 / unit.length)).slice(0, 1_000_000);
}
