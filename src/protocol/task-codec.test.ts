import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { ContentDisallowedError, DecodeError } from '../errors.js';
import { decodeTaskMessage, encodeTaskMessage, originNodename } from './task-codec.js';
import type { TaskMessage } from './task-message.js';
import type { TransportMessage } from './transport-message.js';

function sample(over: Partial<TaskMessage> = {}): TaskMessage {
  return {
    id: 'id-1',
    task: 'tasks.add',
    args: [2, 3],
    kwargs: {},
    embed: { callbacks: null, errbacks: null, chain: null, chord: null },
    shadow: null,
    eta: null,
    expires: null,
    group: null,
    groupIndex: null,
    retries: 0,
    timelimit: [null, null],
    rootId: 'id-1',
    parentId: null,
    argsrepr: '(2, 3)',
    kwargsrepr: '{}',
    origin: 'gen1@host',
    ignoreResult: false,
    extraHeaders: {},
    correlationId: 'id-1',
    replyTo: 'oid',
    priority: null,
    contentType: '',
    ...over,
  };
}

const CELERY_HEADER_ORDER = [
  'lang', 'task', 'id', 'shadow', 'eta', 'expires', 'group', 'group_index', 'retries', 'timelimit',
  'root_id', 'parent_id', 'argsrepr', 'kwargsrepr', 'origin', 'ignore_result',
];

describe('encodeTaskMessage', () => {
  test("Celery's headers in order, lang 'py', body [args, kwargs, embed]", () => {
    const out = encodeTaskMessage(sample());
    assert.deepEqual(Object.keys(out.headers), CELERY_HEADER_ORDER);
    assert.equal(out.headers.lang, 'py');
    assert.equal(out.contentType, 'application/json');
    assert.equal(out.contentEncoding, 'utf-8');
    assert.equal(out.body.toString(), '[[2,3],{},{"callbacks":null,"errbacks":null,"chain":null,"chord":null}]');
    assert.deepEqual(out.properties, { correlation_id: 'id-1', reply_to: 'oid', delivery_mode: 2 });
  });

  test('extra headers merge like dict.update: new keys last, existing keys keep their place', () => {
    const out = encodeTaskMessage(sample({ extraHeaders: { 'x-trace': 'abc', retries: 4, compression: 'bogus' } }));
    assert.deepEqual(Object.keys(out.headers), [...CELERY_HEADER_ORDER, 'x-trace']);
    assert.equal(out.headers.retries, 4);
    assert.equal(out.headers.compression, undefined, 'compression comes from the option only');
  });

  test('properties: reply_to and priority omitted when null; leaks before delivery_mode, expiration after', () => {
    const out = encodeTaskMessage(
      sample({ replyTo: null, priority: 7, extraProperties: { expiration: '60000', argsrepr: '(<hidden>)' } }),
    );
    assert.deepEqual(Object.keys(out.properties), ['correlation_id', 'argsrepr', 'delivery_mode', 'expiration', 'priority']);
    assert.equal(out.properties.priority, 7);
    assert.equal(out.properties.reply_to, undefined);
  });

  test('compression adds the header last and compresses the body', () => {
    const out = encodeTaskMessage(sample({ extraHeaders: { a: 1 } }), { compression: 'zlib' });
    assert.deepEqual(Object.keys(out.headers).slice(-2), ['a', 'compression']);
    assert.equal(out.headers.compression, 'application/x-gzip');
    assert.deepEqual(decodeTaskMessage(out, { accept: ['json'] }).args, [2, 3]);
  });

  test('unknown serializer or compression: EncodeError', () => {
    assert.throws(() => encodeTaskMessage(sample(), { serializer: 'yaml' }), { name: 'EncodeError' });
    assert.throws(() => encodeTaskMessage(sample(), { compression: 'bzip2' }), { name: 'EncodeError' });
    assert.throws(() => encodeTaskMessage(sample({ args: [Buffer.from('x')] })), { name: 'EncodeError' });
  });

  test('decode(encode(m)) gives m back', () => {
    const m = sample({
      embed: {
        callbacks: [{ task: 'tasks.mul', args: [2], kwargs: {}, options: {}, subtask_type: null, immutable: false }],
        errbacks: null,
        chain: [],
        chord: null,
      },
      eta: '2030-01-02T03:04:05.678901+00:00',
      group: 'g1',
      groupIndex: 2,
      timelimit: [30, 20.5],
      parentId: 'p1',
      rootId: 'r1',
      ignoreResult: true,
      shadow: 'shadow-name',
      priority: 3,
      extraHeaders: { tenant: 7 },
      contentType: 'application/json',
      extraProperties: { expiration: '1000' },
    });
    assert.deepEqual(decodeTaskMessage(encodeTaskMessage(m), { accept: ['json'] }), m);
  });
});

function transport(headers: Record<string, unknown>, body: string, contentType = 'application/json'): TransportMessage {
  return { body: Buffer.from(body), contentType, contentEncoding: 'utf-8', headers, properties: {} };
}
const H = { task: 'tasks.add', id: 'id-1' };
const accept = ['json'];

describe('decodeTaskMessage', () => {
  test('minimal v2 message: defaults as Celery reads them', () => {
    const m = decodeTaskMessage(transport(H, '[[1], {"a": 2}]'), { accept });
    assert.deepEqual(m.args, [1]);
    assert.deepEqual(m.kwargs, { a: 2 });
    assert.deepEqual(m.embed, { callbacks: null, errbacks: null, chain: null, chord: null });
    assert.equal(m.retries, 0);
    assert.deepEqual(m.timelimit, [null, null]);
    assert.equal(m.rootId, 'id-1');
    assert.equal(m.correlationId, 'id-1');
    assert.equal(m.replyTo, null);
    assert.equal(m.priority, null);
    assert.equal(m.ignoreResult, false);
    assert.deepEqual(m.extraHeaders, {});
  });

  test('null embed and unknown headers are fine', () => {
    const m = decodeTaskMessage(transport({ ...H, 'x-custom': [1], redelivered: true }, '[[], {}, null]'), { accept });
    assert.deepEqual(m.extraHeaders, { 'x-custom': [1], redelivered: true });
    assert.equal(m.embed.chord, null);
  });

  test('protocol v1: everything in the body, group from taskset, repr computed', () => {
    const body = JSON.stringify({ task: 'tasks.add', id: 'v1', args: [2, 3], kwargs: { k: 'v' }, taskset: 'ts', utc: true, retries: 1 });
    const m = decodeTaskMessage(transport({}, body), { accept });
    assert.equal(m.task, 'tasks.add');
    assert.equal(m.id, 'v1');
    assert.equal(m.group, 'ts');
    assert.equal(m.retries, 1);
    assert.equal(m.argsrepr, '(2, 3)');
    assert.equal(m.kwargsrepr, "{'k': 'v'}");
    assert.deepEqual(m.extraHeaders, { utc: true });
  });

  test('content type refused before anything else', () => {
    assert.throws(
      () => decodeTaskMessage({ ...transport(H, 'junk', 'application/x-python-serialize'), headers: { ...H, compression: 'application/x-bz2' } }, { accept }),
      ContentDisallowedError,
    );
  });

  const bad: [string, TransportMessage, RegExp][] = [
    ['malformed JSON', transport(H, '[[1], {'), /^malformed JSON: /],
    ['no task header, not v1', transport({ id: 'x' }, '[[], {}, null]'), /missing header 'task' \(and the body is not a protocol v1 task dict\)/],
    ['missing id', transport({ task: 't' }, '[[], {}, null]'), /^missing header 'id'$/],
    ['task not a string', transport({ task: 5, id: 'x' }, '[[], {}, null]'), /header 'task' must be a string, got number/],
    ['body not an array', transport(H, '{"a": 1}'), /body is not a 3-element array \[args, kwargs, embed\]/],
    ['body too long', transport(H, '[[], {}, null, 1]'), /body is not a 3-element array/],
    ['args not a list', transport(H, '[{}, {}, null]'), /body\[0\] \(args\) is not an array, got object/],
    ['kwargs not an object', transport(H, '[[], [], null]'), /body\[1\] \(kwargs\) is not an object, got array/],
    ['embed not an object', transport(H, '[[], {}, 3]'), /body\[2\] \(embed\) is not an object or null, got number/],
    ['callbacks not a list', transport(H, '[[], {}, {"callbacks": {}}]'), /embed 'callbacks' must be a list of signatures or null, got object/],
    ['chord not a dict', transport(H, '[[], {}, {"chord": []}]'), /embed 'chord' must be a signature dict or null, got array/],
    ['eta not a string', transport({ ...H, eta: 5 }, '[[], {}, null]'), /header 'eta' must be a string or null, got number/],
    ['retries not a number', transport({ ...H, retries: '1' }, '[[], {}, null]'), /header 'retries' must be a number or null, got string/],
    ['bad timelimit', transport({ ...H, timelimit: [1] }, '[[], {}, null]'), /header 'timelimit' must be \[hard, soft\]/],
    ['ignore_result not a boolean', transport({ ...H, ignore_result: 1 }, '[[], {}, null]'), /header 'ignore_result' must be a boolean, got number/],
    ['compression not a string', transport({ ...H, compression: 1 }, '[]'), /header 'compression' must be a string, got number/],
    ['unsupported compression', transport({ ...H, compression: 'application/x-bz2' }, 'x'), /compression 'application\/x-bz2' is not supported/],
    ['corrupt compressed body', transport({ ...H, compression: 'application/x-gzip' }, 'x'), /cannot decompress 'application\/x-gzip' body/],
    ['v1 without id', transport({}, '{"task": "t"}'), /missing v1 body field 'id'/],
    ['v1 kwargs not a mapping', transport({}, '{"task": "t", "id": "i", "kwargs": []}'), /v1 body field 'kwargs' must be an object, got array/],
    ['no codec for an accepted type', transport(H, 'x', 'application/x-yaml'), /serializer 'yaml' is not available/],
  ];
  for (const [name, msg, reason] of bad) {
    test(`DecodeError: ${name}`, () => {
      assert.throws(
        () => decodeTaskMessage(msg, { accept: ['json', 'msgpack', 'yaml'] }),
        (err: unknown) => err instanceof DecodeError && reason.test(err.message) && !err.message.includes('\n'),
      );
    });
  }
});

test('originNodename is gen<pid>@<hostname>, computed once', () => {
  assert.equal(originNodename(), `gen${process.pid}@${hostname()}`);
  assert.equal(originNodename(), originNodename());
});
