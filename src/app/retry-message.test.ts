import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeEnvelope } from '../protocol/redis-envelope.js';
import { decodeTaskMessage, encodeTaskMessage, parseCeleryDate } from '../protocol/task-codec.js';
import type { TaskMessage } from '../protocol/task-message.js';
import { buildRetryMessage } from './retry-message.js';

const capture = JSON.parse(
  readFileSync(new URL('../../test/fixtures/protocol/redis-retry-republish.json', import.meta.url), 'utf8'),
) as { republished_messages: Array<{ args: string[] }> };

/** The message Celery's worker republished for `retry_once.delay(5)` → `self.retry(countdown=1)`. */
function captured(): { message: TaskMessage; headers: Record<string, unknown>; body: Buffer } {
  const text = capture.republished_messages[0]!.args[2]!;
  const { message } = decodeEnvelope(text);
  return { message: decodeTaskMessage(message, { accept: ['json'] }), headers: message.headers, body: message.body };
}

test("a retry republishes Celery's message: same id, retries + 1, eta, parent_id = own id, root_id kept (redis-retry-republish)", () => {
  const { message: republished, headers, body } = captured();
  // The message the client sent: first try, no eta, no parent, sent by the client process.
  const original: TaskMessage = { ...republished, retries: 0, eta: null, parentId: null, origin: 'gen17541@vm', extraProperties: undefined };
  const etaMs = parseCeleryDate(republished.eta!);
  const { message, target } = buildRetryMessage(
    original,
    { args: original.args, kwargs: original.kwargs, retries: 1, etaMs },
    { exchange: '', routingKey: 'celery' },
    'gen17546@vm',
    etaMs - 1000,
  );
  assert.deepEqual(target, { queue: 'celery' }, 'anonymous-exchange messages go back to their routing key as queue');
  const encoded = encodeTaskMessage(message, { serializer: 'json' });
  // Header for header, in Celery's order; the eta only to the millisecond JS dates carry.
  const { eta, ...rest } = encoded.headers;
  const { eta: celeryEta, ...celeryRest } = headers;
  assert.deepEqual(Object.keys(encoded.headers), Object.keys(headers));
  assert.deepEqual(rest, celeryRest);
  assert.equal(parseCeleryDate(eta as string), Math.trunc(parseCeleryDate(celeryEta as string)));
  assert.deepEqual(JSON.parse(encoded.body.toString()), JSON.parse(body.toString()));
  assert.equal(encoded.properties.correlation_id, republished.id);
  assert.equal(encoded.properties.reply_to, 'eb68849c-191a-3239-b66c-10996aade54f');
  assert.equal(encoded.properties.priority, 0);
});

test('new arguments get fresh reprs; overrides of route, priority, limits and headers apply', () => {
  const { message: base } = captured();
  const original: TaskMessage = { ...base, priority: 3, timelimit: [10, 5], extraHeaders: { tenant: 'a' } };
  const { message, target } = buildRetryMessage(
    original,
    { args: [6], kwargs: { k: 'v' }, retries: 2, etaMs: Date.UTC(2030, 0, 1), queue: 'slow', timeLimit: 20, headers: { attempt: 2 } },
    { exchange: '', routingKey: 'celery' },
    'gen1@h',
    Date.UTC(2029, 0, 1),
  );
  assert.deepEqual(target, { queue: 'slow' });
  assert.equal(message.argsrepr, '(6,)');
  assert.equal(message.kwargsrepr, "{'k': 'v'}");
  assert.equal(message.priority, 3, 'the priority it was delivered with');
  assert.deepEqual(message.timelimit, [20, 5]);
  assert.deepEqual(message.extraHeaders, { tenant: 'a', attempt: 2 });
  assert.equal(message.eta, '2030-01-01T00:00:00+00:00');
});

test('a message delivered through a named exchange goes back through it; expiry is kept with a fresh TTL', () => {
  const { message: base } = captured();
  const original: TaskMessage = { ...base, expires: '2030-01-01T00:01:00+00:00' };
  const now = Date.UTC(2030, 0, 1);
  const { message, target } = buildRetryMessage(
    original,
    { args: original.args, kwargs: original.kwargs, retries: 1, etaMs: now + 1000 },
    { exchange: 'tasks', routingKey: 'billing.charge' },
    'gen1@h',
    now,
  );
  assert.deepEqual(target, { exchange: 'tasks', routingKey: 'billing.charge' });
  assert.equal(message.expires, original.expires);
  assert.deepEqual(message.extraProperties, { expiration: '60000' });
});
