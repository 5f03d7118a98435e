import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CeleriacError, ContentDisallowedError, DecodeError, EncodeError } from '../errors.js';
import { assertAccepted, createSerializerRegistry, defaultSerializers, jsonSerializer, type Serializer } from './serializers.js';

describe('assertAccepted', () => {
  test('accept entries may be names or content types (Celery accept_content)', () => {
    assertAccepted('application/json', ['json']);
    assertAccepted('application/json', ['application/json']);
    assertAccepted('application/x-msgpack', ['json', 'msgpack']);
    assertAccepted('application/x-yaml', ['application/x-yaml']);
  });
  test('anything else is ContentDisallowedError', () => {
    assert.throws(() => assertAccepted('application/x-python-serialize', ['json']), ContentDisallowedError);
    assert.throws(() => assertAccepted('application/json', []), ContentDisallowedError);
    assert.throws(() => assertAccepted('application/json', ['no-such-name', 'toString']), ContentDisallowedError);
  });
  test("kombu's trusted raw types always pass", () => {
    assertAccepted('application/data', ['json']);
    assertAccepted('application/text', []);
  });
});

describe('SerializerRegistry', () => {
  test('json is kombu\'s application/json + utf-8', () => {
    const json = defaultSerializers.get('json');
    assert.equal(json.contentType, 'application/json');
    assert.equal(json.contentEncoding, 'utf-8');
    assert.deepEqual(json.decode(json.encode({ a: [1, 'ü'] })), { a: [1, 'ü'] });
  });
  test('unknown names: EncodeError; known kombu names without a codec say so', () => {
    assert.throws(() => defaultSerializers.get('yaml'), { name: 'EncodeError', message: /kombu's 'yaml' has no codec/ });
    assert.throws(() => defaultSerializers.get('bogus'), EncodeError);
  });
  test('decode: no codec for the content type is a DecodeError naming the serializer', () => {
    assert.throws(() => defaultSerializers.decode(Buffer.from('x'), 'application/x-yaml'), {
      name: 'DecodeError',
      message: /serializer 'yaml' is not available/,
    });
    assert.throws(() => defaultSerializers.decode(Buffer.from('x'), ''), DecodeError); // = application/data
  });
  test('an app registry takes more codecs; the shared default is sealed', () => {
    const upper: Serializer = {
      name: 'upper',
      contentType: 'application/x-upper',
      contentEncoding: 'utf-8',
      encode: (v) => Buffer.from(String(v).toUpperCase()),
      decode: (b) => b.toString(),
    };
    const registry = createSerializerRegistry().register(upper);
    assert.equal(registry.get('upper'), upper);
    assert.equal(registry.forContentType('application/x-upper'), upper);
    assert.equal(registry.contentTypeOf('upper'), 'application/x-upper');
    assert.equal(registry.get('json'), jsonSerializer);
    assertAccepted('application/x-upper', ['upper'], registry);
    assert.throws(() => assertAccepted('application/x-upper', ['upper']), ContentDisallowedError);
    assert.throws(() => defaultSerializers.register(upper), (err: unknown) => err instanceof CeleriacError && err.code === 'USAGE');
  });
});
