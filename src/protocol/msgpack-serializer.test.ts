import { test } from 'node:test';
import assert from 'node:assert/strict';
import { msgpackSerializer } from './msgpack-serializer.js';
import { defaultSerializers } from './serializers.js';

// Python: msgpack.packb([[1, -1, 2**40, 2**63-1, 1.5, 'ü', b'\x00\x01', None, True],
//   {'k': {'n': []}}, {'callbacks': None}], use_bin_type=True) — kombu's msgpack encoder.
const PYTHON_BYTES = 'k5kB/88AAAEAAAAAAM9//////////8s/+AAAAAAAAKLDvMQCAAHAw4Gha4GhbpCBqWNhbGxiYWNrc8A=';
const VALUE = [[1, -1, 2 ** 40, 2n ** 63n - 1n, 1.5, 'ü', Buffer.from([0, 1]), null, true], { k: { n: [] } }, { callbacks: null }];

test("msgpack is kombu's application/x-msgpack with binary encoding, registered by default", () => {
  assert.equal(defaultSerializers.get('msgpack'), msgpackSerializer);
  assert.equal(defaultSerializers.forContentType('application/x-msgpack'), msgpackSerializer);
  assert.equal(msgpackSerializer.contentEncoding, 'binary');
});

test('encodes the bytes Python msgpack writes (str as str, Buffer as bin, wide ints as ints, float64)', () => {
  // One difference: for positive integers past 32 bits msgpackr writes int64 (d3) where Python
  // writes uint64 (cf); both decode to the same int.
  const python = Buffer.from(PYTHON_BYTES, 'base64').toString('hex');
  const expected = python.replace('cf0000010000000000', 'd30000010000000000').replace('cf7fffffffffffffff', 'd37fffffffffffffff');
  assert.notEqual(expected, python);
  assert.equal(msgpackSerializer.encode(VALUE).toString('hex'), expected);
  // A plain number past 32 bits (Date.now()) is an int on the wire, not a float64 (cb).
  assert.equal(msgpackSerializer.encode([1_700_000_000_000]).toString('hex'), '91d30000018bcfe56800');
});

test('decodes Python bytes: bin → Buffer, ints past 2^53 → bigint', () => {
  const decoded = msgpackSerializer.decode(Buffer.from(PYTHON_BYTES, 'base64'));
  assert.deepEqual(decoded, VALUE);
});

test('undefined travels as nil (None); records/extensions are never written', () => {
  assert.deepEqual(msgpackSerializer.decode(msgpackSerializer.encode({ a: undefined })), { a: null });
  // A repeated object shape must stay a plain map (msgpackr records would be ext 0x72).
  const rows = [{ x: 1, y: 2 }, { x: 3, y: 4 }];
  const bytes = msgpackSerializer.encode(rows);
  assert.equal(bytes.toString('hex'), '9282a17801a17902' + '82a17803a17904');
});

test('malformed bytes: DecodeError; unencodable values: EncodeError', () => {
  assert.throws(() => msgpackSerializer.decode(Buffer.from([0x92, 0x01])), { name: 'DecodeError', message: /malformed msgpack body/ });
  assert.throws(() => msgpackSerializer.encode({ f: Symbol('x') }), { name: 'EncodeError' });
});
