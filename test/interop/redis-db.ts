// Direct Redis access for the interop tests: a clean database at start, and a readable picture
// of the keys when something does not arrive (which list a message sits in, what a result key
// holds) so a failure says where the message went.
import { Redis } from 'ioredis';
import { redisUrl } from './environment.js';

function connect(db: number): Redis {
  return new Redis(redisUrl(db), { maxRetriesPerRequest: 1, connectTimeout: 5_000 });
}

export async function flushDb(db: number): Promise<void> {
  const redis = connect(db);
  try {
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }
}

/** Raw value of one key (string keys only), or null. */
export async function getKey(db: number, key: string): Promise<string | null> {
  const redis = connect(db);
  try {
    return await redis.get(key);
  } finally {
    redis.disconnect();
  }
}

/** `LLEN` of each key, in order. */
export async function listLengths(db: number, keys: string[]): Promise<number[]> {
  const redis = connect(db);
  try {
    return await Promise.all(keys.map((k) => redis.llen(k)));
  } finally {
    redis.disconnect();
  }
}

/** `LRANGE key 0 -1`: newest first, as `LPUSH` leaves them. */
export async function listRange(db: number, key: string): Promise<string[]> {
  const redis = connect(db);
  try {
    return await redis.lrange(key, 0, -1);
  } finally {
    redis.disconnect();
  }
}

/** Messages held unacked (kombu's `unacked` hash and `unacked_index` zset). */
export async function unackedCounts(db: number): Promise<{ unacked: number; unackedIndex: number }> {
  const redis = connect(db);
  try {
    const [unacked, unackedIndex] = await Promise.all([redis.hlen('unacked'), redis.zcard('unacked_index')]);
    return { unacked, unackedIndex };
  } finally {
    redis.disconnect();
  }
}

const SHOWN_CHARS = 600;

/**
 * Every key of the database with its type, size and TTL, list heads and hash/zset members
 * abbreviated — `\x06\x16` shown as `\\x06\\x16` so priority lists are recognisable. Result
 * keys (`celery-task-meta-*`) are only counted, except the one of `taskId`.
 */
export async function redisSnapshot(db: number, options: { match?: string; taskId?: string } = {}): Promise<string> {
  const redis = connect(db);
  const show = (text: string): string => {
    // eslint-disable-next-line no-control-regex
    const escaped = text.replace(/[\x00-\x1f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
    return escaped.length > SHOWN_CHARS ? `${escaped.slice(0, SHOWN_CHARS)}… (${escaped.length} chars)` : escaped;
  };
  try {
    const all = (await redis.keys(options.match ?? '*')).sort();
    const focus = options.taskId === undefined ? undefined : `celery-task-meta-${options.taskId}`;
    const keys = all.filter((k) => !k.startsWith('celery-task-meta-') || k === focus);
    const lines = [`redis db ${db}: ${all.length} key(s), ${all.length - keys.length} other result key(s) not shown`];
    if (focus !== undefined && !all.includes(focus)) lines.push(`  ${focus}: absent (no result stored)`);
    for (const key of keys.slice(0, 200)) {
      const [type, ttl] = await Promise.all([redis.type(key), redis.ttl(key)]);
      let detail = '';
      if (type === 'list') {
        const [len, items] = await Promise.all([redis.llen(key), redis.lrange(key, -3, -1)]);
        detail = `len ${len}; tail: ${items.map(show).join(' | ')}`;
      } else if (type === 'string') {
        detail = show((await redis.get(key)) ?? '');
      } else if (type === 'hash') {
        const fields = await redis.hgetall(key);
        detail = Object.entries(fields)
          .slice(0, 5)
          .map(([f, v]) => `${show(f)} => ${show(v)}`)
          .join(' | ');
      } else if (type === 'zset') {
        detail = show((await redis.zrange(key, '0', '9', 'WITHSCORES')).join(' '));
      } else if (type === 'set') {
        detail = show((await redis.smembers(key)).join(' | '));
      }
      lines.push(`  ${show(key)} (${type}, ttl ${ttl}): ${detail}`);
    }
    return lines.join('\n');
  } finally {
    redis.disconnect();
  }
}
