import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { decodeEnvelope } from './redis-envelope.js';
import { decodeControlRequest, encodeControlReply, encodeControlRequest } from './control-message.js';

function captured(name: string): string {
  const capture = JSON.parse(readFileSync(new URL(`../../test/fixtures/protocol/${name}.json`, import.meta.url), 'utf8')) as {
    broadcast: { raw: string }[];
  };
  return capture.broadcast[0]!.raw;
}

test("Celery's revoke broadcasts decode: a cast, and a call with ticket and reply_to", () => {
  const cast = decodeControlRequest(decodeEnvelope(captured('pidbox-control-revoke')).message);
  assert.equal(cast.method, 'revoke');
  assert.deepEqual(cast.arguments, { task_id: 'e4747a5f-50a9-407b-83a7-9090a29d39b1', terminate: false, signal: 'SIGTERM' });
  assert.equal(cast.destination, null);
  assert.equal(cast.ticket, undefined);
  const call = decodeControlRequest(decodeEnvelope(captured('pidbox-control-revoke-terminate')).message);
  assert.equal(call.arguments.terminate, true);
  assert.equal(call.ticket, '31e99490-9d46-4e98-8cf1-a217915e5a0b');
  assert.deepEqual(call.replyTo, { exchange: 'reply.celery.pidbox', routingKey: 'b1df6671-cd4e-34c5-b290-ba8b7a54791b' });
});

test("requests and replies are written in kombu's layout", () => {
  const message = encodeControlRequest(
    { method: 'revoke', arguments: { task_id: ['a', 'b'], terminate: false, signal: 'SIGTERM' }, destination: null, pattern: null, matcher: null },
    7,
    1_700_000_000_500,
  );
  assert.deepEqual(JSON.parse(message.body.toString()), {
    method: 'revoke',
    arguments: { task_id: ['a', 'b'], terminate: false, signal: 'SIGTERM' },
    destination: null,
    pattern: null,
    matcher: null,
  });
  assert.deepEqual(message.headers, { clock: 7, expires: 1_700_000_000.5 });
  assert.deepEqual(message.properties, { delivery_mode: 2 });
  assert.equal(message.contentType, 'application/json');
  const reply = encodeControlReply('w1@host', { ok: 'pong' }, 't-1', 8);
  assert.deepEqual(JSON.parse(reply.body.toString()), { 'w1@host': { ok: 'pong' } });
  assert.deepEqual(reply.headers, { ticket: 't-1', clock: 8 });
  assert.equal(reply.properties.delivery_mode, 1);
});

test('a non-JSON or method-less control message is a DecodeError', () => {
  const base = encodeControlRequest({ method: 'ping', arguments: {}, destination: null, pattern: null, matcher: null }, 1, null);
  assert.throws(() => decodeControlRequest({ ...base, contentType: 'application/x-python-serialize' }), { code: 'DECODE_ERROR' });
  assert.throws(() => decodeControlRequest({ ...base, body: Buffer.from('{"arguments": {}}') }), { code: 'DECODE_ERROR' });
});
