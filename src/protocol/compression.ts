/**
 * Body compression as kombu 5.2 does it (`kombu/compression.py`), with node:zlib's sync functions.
 * The `compression` header holds a content type; names (`gzip`, `zlib`, `brotli`) are kombu's
 * aliases. Note kombu's quirk (celery-protocol.md §1.5): `gzip` and `zlib` are one codec,
 * `application/x-gzip`, whose bytes are a zlib stream (RFC 1950, `78 9c`), not a gzip file.
 */
import { brotliCompressSync, brotliDecompressSync, deflateSync, gunzipSync, inflateSync } from 'node:zlib';
import { DecodeError, EncodeError } from '../errors.js';

/** kombu's compression aliases → the content type written to the `compression` header. */
const ALIASES: Readonly<Record<string, string>> = {
  gzip: 'application/x-gzip',
  zlib: 'application/x-gzip',
  brotli: 'application/x-brotli',
  bzip2: 'application/x-bz2',
  lzma: 'application/x-lzma',
  xz: 'application/x-lzma',
  zstd: 'application/zstd',
};

function resolve(nameOrType: string): string {
  return ALIASES[nameOrType] ?? nameOrType;
}

/**
 * Compress a serialized body for the `compression` option (Celery's `compression=` /
 * `result_compression`). `gzip` and `zlib` both write a zlib stream (as kombu); `brotli` uses
 * node's brotli at its default quality (11), as the Python `brotli` package does.
 * @param name `gzip`, `zlib`, `brotli`, or their content types.
 * @returns the compressed bytes and the value for the `compression` header.
 * @throws EncodeError for a codec celeriac does not have (bzip2, lzma, zstd, unknown names).
 */
export function compress(body: Buffer, name: string): { body: Buffer; compression: string } {
  const type = resolve(name);
  if (type === 'application/x-gzip') return { body: deflateSync(body), compression: type };
  if (type === 'application/x-brotli') return { body: brotliCompressSync(body), compression: type };
  throw new EncodeError(`compression '${name}' is not supported (use gzip, zlib or brotli)`);
}

/**
 * Undo the compression named by a message's `compression` header. For `application/x-gzip` both
 * a zlib stream (what kombu writes) and a real gzip file (`1f 8b`, what other clients may send)
 * are accepted.
 * @throws DecodeError naming the codec when it is not supported (`application/x-bz2`,
 *   `application/x-lzma`, `application/zstd`, unknown), or when the bytes are corrupt.
 */
export function decompress(body: Buffer, compression: string): Buffer {
  const type = resolve(compression);
  try {
    if (type === 'application/x-gzip') {
      return body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : inflateSync(body);
    }
    if (type === 'application/x-brotli') return brotliDecompressSync(body);
  } catch (err) {
    throw new DecodeError(`cannot decompress '${type}' body: ${(err as Error).message}`, { cause: err });
  }
  throw new DecodeError(`compression '${compression}' is not supported (celeriac reads application/x-gzip and application/x-brotli)`);
}
