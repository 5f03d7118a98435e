import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../errors.js';
import { decodeEnvelope, encodeEnvelope } from './redis-envelope.js';
import type { TransportMessage } from './transport-message.js';

const message: TransportMessage = {
  body: Buffer.from('[[2,3],{},null]'),
  contentType: 'application/json',
  contentEncoding: 'utf-8',
  headers: { lang: 'py', task: 'tasks.add', id: 'i1' },
  properties: { correlation_id: 'i1', reply_to: 'r1', delivery_mode: 2, priority: 5, expiration: '60000' },
};

describe('encodeEnvelope', () => {
  test("kombu's key order; priority after delivery_info", () => {
    const text = encodeEnvelope(message, { exchange: '', routingKey: 'celery' }, 'tag-1');
    const env = JSON.parse(text);
    assert.deepEqual(Object.keys(env), ['body', 'content-encoding', 'content-type', 'headers', 'properties']);
    assert.deepEqual(Object.keys(env.properties), [
      'correlation_id', 'reply_to', 'delivery_mode', 'expiration', 'delivery_info', 'priority', 'body_encoding', 'delivery_tag',
    ]);
    assert.equal(env.body, message.body.toString('base64'));
    assert.deepEqual(env.properties.delivery_info, { exchange: '', routing_key: 'celery' });
    assert.equal(env.properties.priority, 5);
    assert.equal(env.properties.body_encoding, 'base64');
    assert.equal(env.properties.delivery_tag, 'tag-1');
  });
  test('priority defaults to 0 as kombu writes it', () => {
    const { priority: _, ...rest } = message.properties;
    const env = JSON.parse(encodeEnvelope({ ...message, properties: rest }, { exchange: 'x', routingKey: 'k' }, 't'));
    assert.equal(env.properties.priority, 0);
  });
  test('the restored form marks headers and delivery_info redelivered', () => {
    const text = encodeEnvelope(message, { exchange: '', routingKey: 'celery', redelivered: true }, 't');
    const env = JSON.parse(text);
    assert.equal(env.headers.redelivered, true);
    assert.deepEqual(env.properties.delivery_info, { exchange: '', routing_key: 'celery', redelivered: true });
    assert.equal(message.headers.redelivered, undefined, 'input not mutated');
    assert.equal(decodeEnvelope(text).redelivered, true);
  });
});

describe('decodeEnvelope', () => {
  test('round trip; kombu bookkeeping is not left in the properties', () => {
    const decoded = decodeEnvelope(encodeEnvelope(message, { exchange: 'celery', routingKey: 'celery' }, 'tag-2'));
    assert.deepEqual(decoded.message, message);
    assert.deepEqual(decoded.deliveryInfo, { exchange: 'celery', routingKey: 'celery' });
    assert.equal(decoded.deliveryTag, 'tag-2');
    assert.equal(decoded.redelivered, false);
  });
  test('tolerant: no body_encoding means a text body; missing parts get empty defaults', () => {
    const decoded = decodeEnvelope('{"body": "[1]"}');
    assert.deepEqual(decoded.message.body, Buffer.from('[1]'));
    assert.deepEqual(decoded.message.headers, {});
    assert.equal(decoded.message.contentType, '');
    assert.deepEqual(decoded.deliveryInfo, { exchange: '', routingKey: '' });
    assert.equal(decoded.deliveryTag, '');
  });
  test('garbage is a DecodeError with a reason', () => {
    const cases: [string, RegExp][] = [
      ['not json', /envelope is not valid JSON/],
      ['[1, 2]', /envelope is not a JSON object/],
      ['{"body": 5}', /envelope 'body' is not a string/],
      ['{"body": "", "properties": {"body_encoding": "hex"}}', /body_encoding "hex" is not supported/],
    ];
    for (const [text, reason] of cases) assert.throws(() => decodeEnvelope(text), (err: unknown) => err instanceof DecodeError && reason.test(err.message));
  });
});
