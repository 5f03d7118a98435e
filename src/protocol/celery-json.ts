/**
 * JSON as kombu 5.2 writes and reads it (`kombu/utils/json.py`), so a Python worker or client sees
 * the values it would have produced itself. Output is compact (`JSON.stringify` spacing — Python's
 * `json.loads` ignores whitespace) and non-ASCII stays raw UTF-8, which every JSON reader accepts.
 */
import { DecodeError, EncodeError } from '../errors.js';
import { formatKombuDate } from './celery-date.js';

/**
 * The replacer, used only when {@link needsReplacer} found a value plain `JSON.stringify` would
 * get wrong: a function replacer costs a call per key, several times the native fast path.
 */
function kombuReplacer(this: unknown, key: string, value: unknown): unknown {
  // `value` has already been through toJSON; the holder still has the original.
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Date) {
    if (Number.isNaN(raw.getTime())) throw new EncodeError('Invalid Date is not JSON serializable');
    return formatKombuDate(raw);
  }
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (ArrayBuffer.isView(raw) || raw instanceof ArrayBuffer) {
    // kombu 5.2: `Object of type bytes is not JSON serializable`.
    throw new EncodeError(`Object of type ${raw.constructor.name} is not JSON serializable (use base64 text)`);
  }
  return value;
}

/** True when `value` holds a Date, BigInt or binary data somewhere (depth-first, stops early). */
function needsReplacer(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) return typeof value === 'bigint';
  // Past this depth a cycle or a huge tree is likelier than a Date; let the replacer decide.
  if (depth > 64) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if ((typeof item === 'object' && item !== null) || typeof item === 'bigint') {
        if (needsReplacer(item, depth + 1)) return true;
      }
    }
    return false;
  }
  if (value instanceof Date || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return true;
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if ((typeof item === 'object' && item !== null) || typeof item === 'bigint') {
      if (needsReplacer(item, depth + 1)) return true;
    }
  }
  return false;
}

/**
 * Serialize a value to JSON text with kombu 5.2's conventions: a `Date` becomes the text kombu
 * writes for an aware UTC datetime (`2024-05-06T07:08:09.123000Z`), a BigInt a number when it is
 * a safe integer else its decimal text; `undefined` members are dropped and non-finite numbers
 * become `null`, as `JSON.stringify` does. There are no type markers (kombu 5.2 has none).
 * @throws EncodeError for binary data (`Buffer`, typed arrays, `ArrayBuffer` — kombu refuses
 *   `bytes` too), an invalid Date, or a cyclic structure.
 * @example encodeJson([[2, 3], {}]) // '[[2,3],{}]'
 */
export function encodeJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = needsReplacer(value, 0) ? JSON.stringify(value, kombuReplacer) : JSON.stringify(value);
  } catch (err) {
    if (err instanceof EncodeError) throw err;
    throw new EncodeError(`cannot encode value as JSON: ${(err as Error).message}`, { cause: err });
  }
  // JSON.stringify(undefined) and bare functions give undefined; Python has no such value.
  if (text === undefined) throw new EncodeError(`value of type ${typeof value} is not JSON serializable`);
  return text;
}

/**
 * Parse JSON text or UTF-8 bytes (plain `json.loads`: no revivers, dates stay strings).
 * @throws DecodeError carrying the parser's message.
 */
export function decodeJson(data: string | Buffer): unknown {
  try {
    return JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch (err) {
    throw new DecodeError(`malformed JSON: ${(err as Error).message}`, { cause: err });
  }
}
