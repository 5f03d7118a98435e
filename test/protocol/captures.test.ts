// Every real Celery 5.2.6 capture in test/fixtures/protocol that holds task messages is decoded
// here (README: ../shared/celery-wire/README.md). Redis messages go through decodeEnvelope (from
// the raw text stored in the broker's lists, and from the decoded envelopes in the capture); AMQP
// ones are rebuilt from the captured basic.publish / basic.get properties and body bytes. Then the
// deterministic producer captures are re-encoded and compared key by key.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ContentDisallowedError } from '../../src/errors.js';
import {
  compress,
  decompress,
  decodeEnvelope,
  decodeTaskMessage,
  encodeEnvelope,
  encodeTaskMessage,
  type TaskMessage,
  type TransportMessage,
} from '../../src/protocol/index.js';

const DIR = fileURLToPath(new URL('../fixtures/protocol/', import.meta.url));
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

/** Captures with no task message in them — each with the reason. All others must yield ≥ 1. */
const NO_TASK_MESSAGES: Record<string, string> = {
  'amqp-broker-state-producer.json': 'rabbitmqctl listing of the vhost only',
  'amqp-chord-rpc.json': 'chord with rpc:// raises before anything is published',
  'amqp-events.json': 'event messages (celeryev exchange), not tasks',
  'amqp-pidbox-ping.json': 'remote-control request/reply messages',
  'amqp-rpc-results.json': 'rpc:// result messages (result codec, not task codec)',
  'amqp-worker-declarations.json': 'worker declarations; its publishes are events and pidbox messages',
  'backend-failure.json': 'result backend values and events',
  'backend-group.json': 'result backend values',
  'backend-result-extended.json': 'result backend values',
  'backend-retry.json': 'result backend values (the retry message itself is in redis-retry-republish)',
  'backend-revoked.json': 'result backend values and revoke broadcasts',
  'backend-started.json': 'result backend values',
  'backend-success.json': 'result backend values',
  'backend-unknown-expired-ignored.json': 'result backend values and task events',
  'canvas-signatures.json': 'signature dicts alone (they are decoded inside the embeds of redis-chain*, redis-link*, redis-chord)',
  'events-task-lifecycle.json': 'event messages',
  'events-worker.json': 'event messages',
  'pidbox-control-destination.json': 'remote-control messages',
  'pidbox-control-ping.json': 'remote-control messages',
  'pidbox-control-rate-limit.json': 'remote-control messages',
  'pidbox-control-revoke-terminate.json': 'remote-control messages',
  'pidbox-control-revoke.json': 'remote-control messages',
  'pidbox-inspect-active-queues.json': 'remote-control messages',
  'pidbox-inspect-active.json': 'remote-control messages',
  'pidbox-inspect-ping.json': 'remote-control messages',
  'pidbox-inspect-query-task.json': 'remote-control messages',
  'pidbox-inspect-registered.json': 'remote-control messages',
  'pidbox-inspect-reserved.json': 'remote-control messages',
  'pidbox-inspect-revoked.json': 'remote-control messages',
  'pidbox-inspect-scheduled.json': 'remote-control messages',
  'pidbox-inspect-stats.json': 'remote-control messages',
  'pidbox-mingle-hello.json': 'remote-control messages',
  'redis-worker-bindings.json': 'binding sets and pidbox/event messages of a starting worker',
};

// Captures are free-form JSON read field by field; typing each shape would only restate them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface Found {
  kind: 'redis' | 'amqp';
  message: TransportMessage;
  /** Headers exactly as captured. */
  headers: Record<string, unknown>;
  properties: Record<string, unknown>;
  /** The decoded body as the capture tool decoded it (absent for signed bodies). */
  body: unknown;
  /** Raw envelope text, for Redis messages read from a broker list. */
  rawText?: string;
  where: string;
}

/** Walk a capture and collect every message it holds (task or not). */
function collect(node: Json, where: string, out: Found[], tagToBody: Map<string, unknown>): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => collect(item, `${where}[${i}]`, out, tagToBody));
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  // The capture tool also calls decoded result values "envelope"; kombu's has a string body.
  if (typeof node.envelope?.body === 'string') {
    const env = node.envelope;
    const decoded = decodeEnvelope(JSON.stringify(env));
    if (typeof env.properties?.delivery_tag === 'string') tagToBody.set(env.properties.delivery_tag, node.body);
    out.push({
      kind: 'redis',
      message: decoded.message,
      headers: env.headers,
      properties: env.properties,
      body: node.body,
      where: `${where}.envelope`,
    });
  }
  const props = node.properties;
  const b64: unknown = node.body_b64 ?? node.body_bytes?.raw_b64;
  if (typeof props === 'object' && props !== null && 'application_headers' in props && typeof b64 === 'string') {
    const { content_type, content_encoding, application_headers, ...rest } = props;
    out.push({
      kind: 'amqp',
      message: {
        body: Buffer.from(b64, 'base64'),
        contentType: content_type ?? '',
        contentEncoding: content_encoding ?? '',
        headers: application_headers ?? {},
        properties: rest,
      },
      headers: application_headers ?? {},
      properties: rest,
      body: node.decoded_body ?? (typeof node.body === 'string' ? undefined : node.body),
      where,
    });
  }
  for (const key of Object.keys(node)) {
    if (key !== 'envelope') collect(node[key], `${where}.${key}`, out, tagToBody);
  }
}

/** Raw envelope texts stored in Redis lists (`broker_keys*.<list>.items[].raw`). */
function rawListItems(capture: Json): { key: string; text: string }[] {
  const out: { key: string; text: string }[] = [];
  for (const [field, keys] of Object.entries<Json>(capture)) {
    if (!field.startsWith('broker_keys') || typeof keys !== 'object' || keys === null) continue;
    for (const [key, entry] of Object.entries<Json>(keys)) {
      if (entry?.type !== 'list') continue;
      for (const item of entry.items as Json[]) {
        const text = typeof item.raw === 'string' ? item.raw : Buffer.from(item.raw_b64, 'base64').toString('utf8');
        if (text.startsWith('{"body"')) out.push({ key, text });
      }
    }
  }
  return out;
}

function isTaskMessage(found: Found): boolean {
  if (typeof found.headers.task === 'string') return true;
  const body = found.body as Record<string, unknown> | undefined;
  return found.headers.task === undefined && typeof body === 'object' && body !== null && 'task' in body && 'id' in body;
}

const STANDARD = new Set([
  'lang', 'task', 'id', 'shadow', 'eta', 'expires', 'group', 'group_index', 'retries', 'timelimit',
  'root_id', 'parent_id', 'argsrepr', 'kwargsrepr', 'origin', 'ignore_result', 'compression',
]);

function checkV2(decoded: TaskMessage, found: Found): void {
  const h = found.headers;
  const [args, kwargs, embed] = found.body as [unknown[], Record<string, unknown>, Record<string, unknown>];
  assert.equal(decoded.id, h.id);
  assert.equal(decoded.task, h.task);
  assert.equal(decoded.shadow, h.shadow);
  assert.equal(decoded.eta, h.eta);
  assert.equal(decoded.expires, h.expires);
  assert.equal(decoded.group, h.group);
  assert.equal(decoded.groupIndex, h.group_index);
  assert.equal(decoded.retries, h.retries);
  assert.deepEqual(decoded.timelimit, h.timelimit);
  assert.equal(decoded.rootId, h.root_id);
  assert.equal(decoded.parentId, h.parent_id);
  assert.equal(decoded.argsrepr, h.argsrepr);
  assert.equal(decoded.kwargsrepr, h.kwargsrepr);
  assert.equal(decoded.origin, h.origin);
  assert.equal(decoded.ignoreResult, h.ignore_result);
  assert.deepEqual(decoded.args, args);
  assert.deepEqual(decoded.kwargs, kwargs);
  assert.deepEqual(decoded.embed, {
    callbacks: embed.callbacks,
    errbacks: embed.errbacks,
    chain: embed.chain,
    chord: embed.chord,
  });
  const extra = Object.fromEntries(Object.entries(h).filter(([k]) => !STANDARD.has(k)));
  assert.deepEqual(decoded.extraHeaders, extra);
  assert.equal(decoded.correlationId, found.properties.correlation_id);
  assert.equal(decoded.replyTo, found.properties.reply_to ?? null);
  assert.equal(decoded.priority, found.properties.priority ?? null);
  assert.equal(decoded.contentType, found.message.contentType);
}

function checkV1(decoded: TaskMessage, found: Found): void {
  const b = found.body as Record<string, Json>;
  assert.equal(decoded.id, b.id);
  assert.equal(decoded.task, b.task);
  assert.deepEqual(decoded.args, b.args);
  assert.deepEqual(decoded.kwargs, b.kwargs);
  assert.equal(decoded.eta, b.eta);
  assert.equal(decoded.expires, b.expires);
  assert.equal(decoded.group, b.taskset); // Celery's proto1_to_proto2: group = taskset
  assert.equal(decoded.groupIndex, b.group_index);
  assert.equal(decoded.retries, b.retries);
  assert.deepEqual(decoded.timelimit, b.timelimit);
  assert.deepEqual(decoded.embed, { callbacks: b.callbacks, errbacks: b.errbacks, chain: null, chord: b.chord });
  assert.equal(decoded.rootId, b.id);
  assert.equal(decoded.argsrepr, '(2, 3)');
  assert.equal(decoded.kwargsrepr, '{}');
  assert.equal(decoded.extraHeaders.utc, true);
}

/** What each content type must do, decoded with Celery's default `accept_content = ['json']`. */
function checkMessage(found: Found): void {
  const { message } = found;
  switch (message.contentType) {
    case 'application/json': {
      const decoded = decodeTaskMessage(message, { accept: ['json'] });
      if (typeof found.headers.task === 'string') checkV2(decoded, found);
      else checkV1(decoded, found);
      return;
    }
    case 'application/x-python-serialize':
      assert.throws(() => decodeTaskMessage(message, { accept: ['json'] }), ContentDisallowedError);
      assert.throws(() => decodeTaskMessage(message, { accept: ['pickle'] }), {
        name: 'DecodeError',
        message: /serializer 'pickle' is not available/,
      });
      return;
    case 'application/x-msgpack': {
      assert.throws(() => decodeTaskMessage(message, { accept: ['json'] }), ContentDisallowedError);
      const decoded = decodeTaskMessage(message, { accept: ['json', 'msgpack'] });
      checkV2(decoded, found);
      // Deterministic: Python's msgpack.packb(use_bin_type=True) bytes, reproduced exactly.
      const again = encodeTaskMessage(decoded, { serializer: 'msgpack' });
      assert.equal(again.body.toString('base64'), message.body.toString('base64'), `${found.where} msgpack body`);
      assert.equal(again.contentEncoding, 'binary');
      return;
    }
    case 'application/x-yaml': {
      const name = 'yaml';
      assert.throws(() => decodeTaskMessage(message, { accept: ['json'] }), ContentDisallowedError);
      for (const accept of [['json', name], [message.contentType]]) {
        assert.throws(() => decodeTaskMessage(message, { accept }), {
          name: 'DecodeError',
          message: new RegExp(`serializer '${name}' is not available`),
        });
      }
      return;
    }
    case 'application/data':
      // task_serializer='auth'. kombu trusts application/data (never ContentDisallowed); with no
      // signing codec the body cannot be read.
      assert.throws(() => decodeTaskMessage(message, { accept: ['json'] }), {
        name: 'DecodeError',
        message: /'application\/data': serializer 'auth' is not available/,
      });
      return;
    default:
      assert.fail(`${found.where}: unexpected content type ${message.contentType}`);
  }
}

describe('Celery 5.2.6 captures decode', () => {
  test('every capture is either covered or listed with a reason', () => {
    for (const name of Object.keys(NO_TASK_MESSAGES)) assert.ok(FILES.includes(name), `${name} listed but missing`);
    assert.ok(FILES.length >= 89, `expected the full capture set, found ${FILES.length} files`);
  });

  for (const file of FILES) {
    test(file, () => {
      const capture = JSON.parse(readFileSync(DIR + file, 'utf8'));
      const found: Found[] = [];
      const tagToBody = new Map<string, unknown>();
      collect(capture, file, found, tagToBody);
      const tasks = found.filter(isTaskMessage);
      for (const item of tasks) checkMessage(item);

      // The raw text Redis stored decodes to the same message as the capture's decoded envelope.
      let rawTasks = 0;
      for (const { key, text } of rawListItems(capture)) {
        const env = decodeEnvelope(text);
        const parsed = JSON.parse(text);
        assert.deepEqual(env.message.headers, parsed.headers);
        assert.equal(env.deliveryTag, parsed.properties.delivery_tag);
        assert.deepEqual(env.deliveryInfo, {
          exchange: parsed.properties.delivery_info.exchange,
          routingKey: parsed.properties.delivery_info.routing_key,
        });
        const body = tagToBody.get(env.deliveryTag);
        const item: Found = { kind: 'redis', message: env.message, headers: parsed.headers, properties: parsed.properties, body, rawText: text, where: `${file} list ${key}` };
        if (!isTaskMessage(item)) continue;
        rawTasks++;
        checkMessage(item);
      }

      const total = tasks.length + rawTasks;
      if (file in NO_TASK_MESSAGES) assert.equal(total, 0, `${file} is listed as having no task messages`);
      else assert.ok(total > 0, `${file}: no task message found`);
    });
  }

  test('compressed captures: the header is application/x-gzip and the bytes a zlib stream', () => {
    for (const file of ['redis-compression-gzip.json', 'redis-compression-zlib.json', 'redis-result-compression-setting.json']) {
      const capture = JSON.parse(readFileSync(DIR + file, 'utf8'));
      const [entry] = capture.decoded_messages.celery;
      const { message } = decodeEnvelope(JSON.stringify(entry.envelope));
      assert.equal(message.headers.compression, 'application/x-gzip');
      assert.deepEqual([...message.body.subarray(0, 2)], [0x78, 0x9c]); // RFC 1950, not gzip's 1f 8b
      const plain = decompress(message.body, 'application/x-gzip');
      assert.deepEqual(JSON.parse(plain.toString('utf8')), entry.body);
      // node's bundled zlib picks other matches than Python's, so compare streams, not bytes.
      const again = compress(plain, 'gzip');
      assert.equal(again.compression, 'application/x-gzip');
      assert.deepEqual([...again.body.subarray(0, 2)], [...message.body.subarray(0, 2)]);
      assert.deepEqual(decompress(again.body, again.compression), plain);
    }
  });
});

/** Producer captures (their broker lists hold the raw text Redis stored)... */
const REENCODE = FILES.filter((f) => /^redis-(delay|send-task|apply-async-)/.test(f));
/** ...and messages a Python worker published: retry (leaked properties), chain step, chord body. */
const REENCODE_WORKER: Record<string, string> = {
  'redis-retry-republish.json': 'republished_messages',
  'backend-children.json': 'messages_sent_by_worker',
  'backend-chord.json': 'callback_message',
};

/** Key order and values at every level, plus a readable diff first. */
function assertSameJson(actual: unknown, expected: unknown, where: string): void {
  assert.deepStrictEqual(actual, expected, where);
  assert.equal(JSON.stringify(actual), JSON.stringify(expected), `${where}: key order differs`);
}

describe('re-encoding decoded captures gives Celery\'s message back', () => {
  const cases: [string, (capture: Json) => string[]][] = [
    ...REENCODE.map((f): [string, (capture: Json) => string[]] => [f, (c) => rawListItems(c).map((i) => i.text)]),
    ...Object.entries(REENCODE_WORKER).map(([f, field]): [string, (capture: Json) => string[]] => [
      f,
      (c) => (c[field] as Json[]).map((m): string => JSON.stringify(m.decoded_payload.envelope)),
    ]),
  ];
  for (const [file, texts] of cases) {
    test(file, () => {
      const capture = JSON.parse(readFileSync(DIR + file, 'utf8'));
      const items = texts(capture);
      assert.ok(items.length > 0);
      for (const text of items) {
        const { message, deliveryInfo, deliveryTag } = decodeEnvelope(text);
        const task = decodeTaskMessage(message, { accept: ['json'] });
        const again = JSON.parse(encodeEnvelope(encodeTaskMessage(task, { serializer: 'json' }), deliveryInfo, deliveryTag));
        const want = JSON.parse(text);
        assert.deepEqual(Object.keys(again), Object.keys(want));
        assertSameJson(again.headers, want.headers, `${file} headers`);
        assertSameJson(again.properties, want.properties, `${file} properties`);
        assert.equal(again['content-type'], want['content-type']);
        assert.equal(again['content-encoding'], want['content-encoding']);
        const body = (b64: string): unknown => JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
        assertSameJson(body(again.body), body(want.body), `${file} body`);
      }
    });
  }

  test('AMQP producer captures re-encode to the published headers, properties and body', () => {
    let checked = 0;
    for (const file of FILES.filter((f) => f.startsWith('amqp-'))) {
      const capture = JSON.parse(readFileSync(DIR + file, 'utf8'));
      for (const pub of (capture.published ?? []) as Json[]) {
        const { content_type, content_encoding, application_headers, ...props } = pub.properties;
        if (typeof application_headers?.task !== 'string' || content_type !== 'application/json') continue;
        const message: TransportMessage = {
          body: Buffer.from(pub.body_b64, 'base64'),
          contentType: content_type,
          contentEncoding: content_encoding,
          headers: application_headers,
          properties: props,
        };
        const task = decodeTaskMessage(message, { accept: ['json'] });
        const compression = application_headers.compression === undefined ? undefined : 'gzip';
        const again = encodeTaskMessage(task, { compression });
        assertSameJson(again.headers, application_headers, `${file} headers`);
        // py-amqp reorders properties into its frame order and leaves None ones off the wire
        // (amqp-apply-async-queue: priority=None); compare as a set without the nulls.
        const sent = Object.fromEntries(Object.entries(props).filter(([, v]) => v !== null));
        assert.deepStrictEqual(again.properties, sent, `${file} properties`);
        assert.equal(again.contentType, content_type);
        assert.equal(again.contentEncoding, content_encoding);
        assertSameJson(decodeTaskMessage(again, { accept: ['json'] }), task, `${file} body`);
        checked++;
      }
    }
    assert.ok(checked >= 15, `only ${checked} AMQP task publishes found`);
  });
});
