/**
 * kombu's `msgpack` serializer (`kombu/serialization.py` `register_msgpack`): content type
 * `application/x-msgpack`, content encoding `binary`, Python packing with `use_bin_type=True`
 * and unpacking with `raw=False` — so strings travel as msgpack `str` and bytes as `bin`.
 *
 * Mapping (msgpackr, configured to stay inside what Python's msgpack reads and writes):
 * - objects ↔ maps (keys become strings on the way in, as JSON does); arrays ↔ arrays;
 * - `Buffer` / typed arrays → `bin`, and `bin` → `Buffer` (Python's `bytes` both ways — JSON
 *   cannot carry those);
 * - integers past 2^53 arrive as `bigint`, smaller ones as numbers; a `bigint` is sent as int64,
 *   and so is an integral number outside 32 bits (msgpackr alone would send it as a float64,
 *   which Python would read as `float`: a millisecond timestamp must stay an `int`);
 * - `undefined` is sent as nil (`None`);
 * - a `Date` is sent as the standard msgpack timestamp (ext -1), which Python's msgpack reads as
 *   `msgpack.Timestamp` (kombu itself cannot send a datetime with msgpack).
 * No msgpackr records or other extensions: a Python peer would not understand them.
 */
import type { Packr } from 'msgpackr';
import { DecodeError, EncodeError } from '../errors.js';
import { lazyRequire } from '../internal/lazy-require.js';
import type { Serializer } from './serializers.js';

const loadMsgpackr = lazyRequire<typeof import('msgpackr')>('msgpackr');
let packr: Packr | undefined;

/** The one Packr, made on first use so a worker without msgpack messages never loads msgpackr. */
const packer = (): Packr => (packr ??= new (loadMsgpackr().Packr)({
  useRecords: false,
  mapsAsObjects: true,
  variableMapSize: true,
  encodeUndefinedAsNil: true,
  moreTypes: false,
  // Not in msgpackr's typings: 'auto' gives numbers for safe integers and bigint past 2^53.
  int64AsType: 'auto' as 'number',
}));

/** An integral number msgpackr would write as float64 (it writes only 32-bit integers as ints). */
function isWideInteger(value: unknown): value is number {
  return typeof value === 'number' && (value > 0xffffffff || value < -0x80000000) && Number.isSafeInteger(value);
}

/** True when `value` holds a wide integer somewhere (depth-first, stops early). */
function hasWideInteger(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) return isWideInteger(value);
  if (depth > 64 || ArrayBuffer.isView(value) || value instanceof Date) return false;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) if (hasWideInteger(item, depth + 1)) return true;
    return false;
  }
  for (const key in value) if (hasWideInteger((value as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}

/** A copy of `value` with wide integers as bigint; only called when {@link hasWideInteger}. */
function widenIntegers(value: unknown, depth: number): unknown {
  if (isWideInteger(value)) return BigInt(value);
  if (typeof value !== 'object' || value === null || depth > 64 || ArrayBuffer.isView(value) || value instanceof Date) return value;
  if (Array.isArray(value)) return (value as unknown[]).map((item) => widenIntegers(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const key in value) out[key] = widenIntegers((value as Record<string, unknown>)[key], depth + 1);
  return out;
}

/** kombu's msgpack serializer (`application/x-msgpack`, `binary`). */
export const msgpackSerializer: Serializer = Object.freeze({
  name: 'msgpack',
  contentType: 'application/x-msgpack',
  contentEncoding: 'binary',
  encode(value: unknown): Buffer {
    try {
      return packer().pack(hasWideInteger(value, 0) ? widenIntegers(value, 0) : value);
    } catch (err) {
      throw new EncodeError(`cannot encode the value as msgpack: ${(err as Error).message}`, { cause: err });
    }
  },
  decode(body: Buffer): unknown {
    try {
      return packer().unpack(body);
    } catch (err) {
      throw new DecodeError(`malformed msgpack body: ${(err as Error).message}`, { cause: err });
    }
  },
});
