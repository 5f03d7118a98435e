import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { systemClock } from '../internal/clock.js';
import { silentLogger } from '../internal/logger.js';
import { encodeControlRequest } from '../protocol/control-message.js';
import { decodeEnvelope } from '../protocol/redis-envelope.js';
import { MemoryTransport } from '../transports/memory/memory-transport.js';
import type { Delivery } from '../transports/transport.js';
import { Control } from './control.js';
import type { ControlTarget } from './control-target.js';
import { PidboxNode } from './pidbox-node.js';

describe('PidboxNode and Control', () => {
  let transport: MemoryTransport;
  let control: Control;
  let node: PidboxNode;
  const revokes: unknown[] = [];
  const target: ControlTarget = {
    hostname: 'n1@host',
    revoke: (ids, options) => {
      revokes.push([ids, options]);
      return options.terminate ? ids.slice(0, 1) : [];
    },
  };
  const replies: Delivery[] = [];
  let onReply: (() => void) | undefined;
  const replyTo = { exchange: 'reply.celery.pidbox', routingKey: 'oid-1' };
  const nextReply = () => new Promise<void>((resolve) => (onReply = resolve));
  const ask = async (method: string, options: Parameters<Control['broadcast']>[1] = {}): Promise<unknown> => {
    const got = nextReply();
    await control.broadcast(method, { ...options, reply: { ticket: `t-${method}`, replyTo } });
    await got;
    const reply = replies.at(-1)!;
    assert.equal(reply.message.headers.ticket, `t-${method}`);
    return JSON.parse(reply.message.body.toString());
  };

  beforeEach(async () => {
    revokes.length = 0;
    replies.length = 0;
    transport = new MemoryTransport();
    await transport.start();
    control = new Control({ transport: async () => transport, namespace: 'celery', clock: systemClock, revokeExpiresMs: 60_000 });
    node = new PidboxNode({ transport, mailbox: control.mailbox, target, log: silentLogger() });
    await node.start();
    await transport.declareQueue({ name: control.mailbox.replyQueue('oid-1'), exchange: replyTo.exchange, routingKey: replyTo.routingKey });
    await transport.consume({
      queues: [control.mailbox.replyQueue('oid-1')],
      prefetch: 0,
      signal: new AbortController().signal,
      onMessage: (d) => {
        replies.push(d);
        void d.ack();
        onReply?.();
      },
    });
  });
  afterEach(async () => {
    node.stop();
    await transport.stop();
  });

  test("the node listens on Celery's queue and answers a ping as {node: reply}", async () => {
    assert.equal(node.queue, 'n1@host.celery.pidbox');
    assert.deepEqual(await ask('ping'), { 'n1@host': { ok: 'pong' } });
  });

  test('revoke: Celery\'s replies; a destination or pattern naming another node is ignored', async () => {
    assert.deepEqual(await ask('revoke', { arguments: { task_id: 'a', terminate: false, signal: 'SIGTERM' } }), {
      'n1@host': { ok: 'tasks a flagged as revoked' },
    });
    assert.deepEqual(await ask('revoke', { arguments: { task_id: ['b', 'c'], terminate: true, signal: 'SIGKILL' } }), {
      'n1@host': { ok: 'terminate: b' },
    });
    await control.broadcast('revoke', { arguments: { task_id: 'not-mine' }, destination: ['n2@host'] });
    const other = encodeControlRequest({ method: 'revoke', arguments: { task_id: 'nor-this' }, destination: null, pattern: 'n2@*', matcher: 'glob' }, 1, null);
    await transport.publish(other, { exchange: 'celery.pidbox', routingKey: '' });
    const mine = encodeControlRequest({ method: 'revoke', arguments: { task_id: 'glob' }, destination: null, pattern: 'n1@*', matcher: 'glob' }, 1, null);
    await transport.publish(mine, { exchange: 'celery.pidbox', routingKey: '' });
    await ask('ping', { destination: ['n1@host'] }); // handled in order: the ones above are done
    assert.deepEqual(revokes, [
      [['a'], { terminate: false, signal: 'SIGTERM', broadcast: true }],
      [['b', 'c'], { terminate: true, signal: 'SIGKILL', broadcast: true }],
      [['glob'], { terminate: false, signal: 'SIGTERM', broadcast: false }],
    ]);
  });

  test("Python Celery's captured revoke broadcast is honoured; an unknown command gets kombu's error", async () => {
    const capture = JSON.parse(readFileSync(new URL('../../test/fixtures/protocol/pidbox-control-revoke.json', import.meta.url), 'utf8')) as {
      broadcast: { raw: string }[];
    };
    await transport.publish(decodeEnvelope(capture.broadcast[0]!.raw).message, { exchange: 'celery.pidbox', routingKey: '' });
    assert.deepEqual(await ask('no_such_command'), { 'n1@host': { error: "KeyError('no_such_command')" } });
    assert.deepEqual(revokes, [[['e4747a5f-50a9-407b-83a7-9090a29d39b1'], { terminate: false, signal: 'SIGTERM', broadcast: true }]]);
  });

  test('Control.revoke keeps broadcast revocations in the broker, not those for named nodes', async () => {
    const before = Date.now();
    await control.revoke(['x', 'y']);
    await control.revoke('z', { destination: ['n2@host'] });
    await ask('ping');
    const kept = await transport.revocations.list(before);
    assert.deepEqual(kept.map((r) => r.taskId).sort(), ['x', 'y']);
    assert.ok(kept.every((r) => r.expiresAtMs >= before + 60_000));
    assert.deepEqual(revokes[0], [['x', 'y'], { terminate: false, signal: 'SIGTERM', broadcast: true }]);
    await assert.rejects(control.revoke([]), { code: 'USAGE' });
  });
});

test('a start that failed on the broker can be made again, and then the node answers', { timeout: 10_000 }, async () => {
  const transport = new MemoryTransport();
  await transport.start();
  const control = new Control({ transport: async () => transport, namespace: 'celery', clock: systemClock, revokeExpiresMs: 60_000 });
  const target: ControlTarget = { hostname: 'n2@host', revoke: () => [] };
  const node = new PidboxNode({ transport, mailbox: control.mailbox, target, log: silentLogger() });
  const declareQueue = transport.declareQueue.bind(transport);
  let drops = 1;
  transport.declareQueue = (spec) => (drops-- > 0 ? Promise.reject(new Error('connection lost')) : declareQueue(spec));
  try {
    await assert.rejects(node.start(), /connection lost/);
    await node.start();
    const replyTo = { exchange: 'reply.celery.pidbox', routingKey: 'oid-2' };
    await transport.declareQueue({ name: control.mailbox.replyQueue('oid-2'), exchange: replyTo.exchange, routingKey: replyTo.routingKey });
    const reply = new Promise<Delivery>((resolve) => {
      void transport.consume({ queues: [control.mailbox.replyQueue('oid-2')], prefetch: 0, signal: new AbortController().signal, onMessage: resolve });
    });
    await control.broadcast('ping', { reply: { ticket: 't-ping', replyTo } });
    assert.deepEqual(JSON.parse((await reply).message.body.toString()), { 'n2@host': { ok: 'pong' } });
  } finally {
    node.stop();
    await transport.stop();
  }
});
