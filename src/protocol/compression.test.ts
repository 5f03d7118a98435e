import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { DecodeError, EncodeError } from '../errors.js';
import { compress, decompress } from './compression.js';

const BODY = Buffer.from('[[2, 3], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]');

describe('compression', () => {
  test('gzip and zlib both write a zlib stream under application/x-gzip (kombu)', () => {
    for (const name of ['gzip', 'zlib', 'application/x-gzip']) {
      const out = compress(BODY, name);
      assert.equal(out.compression, 'application/x-gzip');
      assert.deepEqual([...out.body.subarray(0, 2)], [0x78, 0x9c]);
      assert.deepEqual(decompress(out.body, out.compression), BODY);
    }
  });
  test('a real gzip file under application/x-gzip is accepted too', () => {
    assert.deepEqual(decompress(gzipSync(BODY), 'application/x-gzip'), BODY);
  });
  test('brotli round trip', () => {
    const out = compress(BODY, 'brotli');
    assert.equal(out.compression, 'application/x-brotli');
    assert.deepEqual(decompress(out.body, 'application/x-brotli'), BODY);
  });
  test('unsupported codecs: DecodeError naming the codec on read, EncodeError on write', () => {
    for (const codec of ['application/x-bz2', 'application/x-lzma', 'application/zstd', 'snappy']) {
      assert.throws(() => decompress(BODY, codec), { name: 'DecodeError', message: new RegExp(`'${codec}' is not supported`) });
    }
    assert.throws(() => compress(BODY, 'bzip2'), EncodeError);
  });
  test('corrupt bytes are a DecodeError', () => {
    assert.throws(() => decompress(Buffer.from('not compressed'), 'application/x-gzip'), DecodeError);
    assert.throws(() => decompress(Buffer.from([1, 2, 3]), 'application/x-brotli'), DecodeError);
  });
});
