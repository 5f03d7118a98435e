import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError, EncodeError } from '../errors.js';
import { decodeJson, encodeJson } from './celery-json.js';

describe('encodeJson', () => {
  test('plain values: compact JSON.stringify output', () => {
    assert.equal(encodeJson([[2, 3], {}, { chain: null }]), '[[2,3],{},{"chain":null}]');
  });
  test('a Date anywhere becomes kombu\'s UTC text with microseconds and Z', () => {
    const d = new Date(Date.UTC(2024, 4, 6, 7, 8, 9, 123));
    assert.equal(encodeJson([d, { at: d, list: [d] }]), JSON.stringify(['2024-05-06T07:08:09.123000Z', { at: '2024-05-06T07:08:09.123000Z', list: ['2024-05-06T07:08:09.123000Z'] }]));
    assert.equal(encodeJson(new Date(Date.UTC(2024, 0, 1))), '"2024-01-01T00:00:00Z"');
  });
  test('BigInt: a number when safe, else its decimal text', () => {
    assert.equal(encodeJson({ a: 42n, b: 2n ** 64n }), '{"a":42,"b":"18446744073709551616"}');
  });
  test('binary data is refused like kombu refuses bytes', () => {
    for (const bin of [Buffer.from('x'), new Uint8Array(2), new ArrayBuffer(1)]) {
      assert.throws(() => encodeJson([1, { data: bin }]), EncodeError);
    }
  });
  test('invalid Date, cycles and undefined are EncodeErrors', () => {
    assert.throws(() => encodeJson([new Date(Number.NaN)]), EncodeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => encodeJson(cyclic), EncodeError);
    assert.throws(() => encodeJson(undefined), EncodeError);
  });
  test('non-ASCII stays valid UTF-8 and round trips; lone surrogates are escaped', () => {
    const value = ['héllo ☃', '😀', { ü: 'ü' }];
    const bytes = Buffer.from(encodeJson(value), 'utf8');
    assert.deepEqual(decodeJson(bytes), value);
    assert.equal(encodeJson('\ud800'), '"\\ud800"');
  });
});

describe('decodeJson', () => {
  test('plain JSON.parse: no revivers', () => {
    assert.deepEqual(decodeJson('["2024-05-06T07:08:09.123456Z"]'), ['2024-05-06T07:08:09.123456Z']);
    assert.deepEqual(decodeJson(Buffer.from('{"a": [1, 2.5]}')), { a: [1, 2.5] });
  });
  test('malformed JSON is a DecodeError carrying the parse message', () => {
    assert.throws(() => decodeJson('[1, 2'), (err: unknown) => {
      assert.ok(err instanceof DecodeError);
      assert.match(err.message, /^malformed JSON: .+/);
      return true;
    });
  });
});
