// Every canvas object in the Celery 5.2.6 captures (test/fixtures/protocol, from
// ../shared/celery-wire): the signature dicts of canvas-signatures.json decode and re-encode to the
// same JSON (key order included) and are what celeriac's own API builds; every signature in a
// captured message's body[2] (callbacks, errbacks, chain, chord) round-trips; and the messages
// celeriac's planner sends for the captured workflows match Python's — args, kwargs, group fields
// and embeds — once ids are replaced by their order of appearance.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Celery, GroupResult, chain, chord, group, signatureFromDict, type AnySignature } from 'celeriac';
import type { Publisher } from '../../src/canvas/canvas-app.js';
import { applySignature } from '../../src/canvas/canvas-planner.js';
import type { SignatureOptions } from '../../src/canvas/signature.js';
import { taskEmbed } from '../../src/canvas/task-embed.js';
import { decodeSavedGroup, encodeSavedGroup } from '../../src/backends/saved-group.js';
import { encodeJson } from '../../src/protocol/celery-json.js';
import { silentLogger } from '../../src/internal/logger.js';

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/protocol/${name}.json`, import.meta.url), 'utf8')) as T;
}

interface SignatureCase {
  python: string;
  json: string;
  decoded: Record<string, unknown>;
}

interface CapturedMessage {
  envelope: { headers: Record<string, unknown> };
  body: [unknown[], Record<string, unknown>, Record<string, unknown>];
}

const app = new Celery('captures', { broker_url: 'memory://' }, { logger: silentLogger() });
const add = app.task('tasks.add', (x: number, y: number) => x + y);
const mul = app.task('tasks.mul', (x: number, y: number) => x * y);
const xsum = app.task('tasks.xsum', (numbers: number[]) => numbers.reduce((a, b) => a + b, 0));
const noop = app.task('tasks.noop', () => null);
const logError = app.task('tasks.log_error', (taskId: string) => taskId);

/** celeriac's spelling of each case of canvas-signatures.json. */
const BUILT: Record<string, () => AnySignature> = {
  signature: () => add.s(2, 2),
  'signature-kwargs-options': () => add.signature([2], { y: 3 }).set({ countdown: 10, queue: 'hipri', priority: 5, link: mul.s(4) }),
  immutable: () => add.si(2, 2),
  'signature-by-name': () => app.signature('tasks.add', [1, 2], {}, { queue: 'hipri' }),
  chain: () => chain(add.s(1, 1), mul.s(2)),
  group: () => group(add.s(1, 1), add.s(2, 2)),
  chord: () => chord([add.s(1, 1), add.s(2, 2)], xsum.s()),
  chunks: () => add.chunks([[1, 1], [2, 2], [3, 3]], 2),
  map: () => add.map([[1, 1], [2, 2]] as never),
};

describe('canvas-signatures.json', () => {
  const cases = fixture<{ cases: Record<string, SignatureCase> }>('canvas-signatures').cases;
  for (const [name, c] of Object.entries(cases)) {
    test(`${name}: ${c.python} decodes and re-encodes to the same JSON`, () => {
      const sig = signatureFromDict(JSON.parse(c.json));
      assert.equal(JSON.stringify(sig.toDict()), JSON.stringify(c.decoded));
    });
    test(`${name}: celeriac builds the same dict`, () => {
      const build = BUILT[name];
      assert.ok(build, `no celeriac spelling for case ${name}`);
      assert.equal(JSON.stringify(build().toDict()), JSON.stringify(c.decoded));
    });
  }
});

const MESSAGE_CAPTURES = [
  'redis-chain',
  'redis-chain-immutable',
  'redis-chain-with-group',
  'redis-chain-group-middle',
  'redis-chord',
  'redis-group',
  'redis-link',
  'redis-link-group',
];

function capturedMessages(name: string): CapturedMessage[] {
  const capture = fixture<{ decoded_messages: Record<string, CapturedMessage[]> }>(name);
  // Redis lists are LRANGE order (newest first): reverse to send order.
  return Object.values(capture.decoded_messages).flat().reverse();
}

/** The bodies of an AMQP capture's published messages. */
function amqpBodies(name: string): CapturedMessage['body'][] {
  return fixture<{ published: Array<{ decoded_body: CapturedMessage['body'] }> }>(name).published.map((p) => p.decoded_body);
}

describe('signatures inside captured messages round-trip', () => {
  const bodies: Array<[string, CapturedMessage['body'][]]> = [
    ...MESSAGE_CAPTURES.map((name): [string, CapturedMessage['body'][]] => [name, capturedMessages(name).map((m) => m.body)]),
    ...['amqp-chain', 'amqp-link', 'amqp-group'].map((name): [string, CapturedMessage['body'][]] => [name, amqpBodies(name)]),
  ];
  for (const [name, list] of bodies) {
    test(name, () => {
      for (const body of list) {
        const embed = body[2];
        for (const key of ['callbacks', 'errbacks', 'chain'] as const) {
          const list = embed[key] as unknown[] | null;
          if (list === null) continue;
          assert.equal(JSON.stringify(list.map((d) => signatureFromDict(d).toDict())), JSON.stringify(list), `${name} ${key}`);
        }
        if (embed.chord !== null) assert.equal(JSON.stringify(signatureFromDict(embed.chord).toDict()), JSON.stringify(embed.chord));
      }
    });
  }
});

/** What the planner published, in the shape of a captured message. */
interface Sent {
  args: unknown[];
  kwargs: Record<string, unknown>;
  embed: unknown;
  group: string | null;
  groupIndex: number | null;
}

function recordingPublisher(sent: Sent[]): Publisher {
  let n = 0;
  return {
    replyTo: 'reply-oid',
    newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    publishTask: async (_task: string, args: unknown[], kwargs: Record<string, unknown>, o: SignatureOptions) => {
      sent.push({ args, kwargs, embed: taskEmbed(o), group: o.groupId ?? null, groupIndex: o.groupIndex ?? null });
    },
    setChordSize: async () => {},
  };
}

/** Ids (UUIDs) replaced by their order of first appearance, so two runs compare. */
function normalizeIds(value: unknown): unknown {
  const seen = new Map<string, string>();
  const text = JSON.stringify(value).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => {
    if (!seen.has(id)) seen.set(id, `<id${seen.size}>`);
    return seen.get(id)!;
  });
  return JSON.parse(text);
}

const WORKFLOWS: Record<string, { build: () => AnySignature; options?: SignatureOptions }> = {
  'redis-chain': { build: () => chain(add.s(2, 2), mul.s(4), add.s(1).set({ countdown: 5 })) },
  'redis-chain-immutable': { build: () => chain(add.si(1, 1), mul.si(2, 2).set({ link: noop.s() }), xsum.s()) },
  'redis-chain-with-group': { build: () => chain(group(add.s(1, 1), add.s(2, 2)), xsum.s()) },
  'redis-chain-group-middle': { build: () => chain(add.s(1, 1), group(mul.s(2), mul.s(3)), xsum.s()) },
  'redis-chord': { build: () => chord([0, 1, 2].map((i) => add.s(i, i)), xsum.s()) },
  'redis-group': { build: () => group([0, 1, 2].map((i) => add.s(i, i))) },
  'redis-link': { build: () => add.s(2, 3), options: { link: mul.s(10), linkError: logError.s() } },
  'redis-link-group': { build: () => add.s(1, 1), options: { link: group(mul.s(2), mul.s(3)) } },
};

describe('celeriac sends what Python sends for the captured workflows', () => {
  for (const name of MESSAGE_CAPTURES) {
    test(name, async () => {
      const workflow = WORKFLOWS[name]!;
      const sent: Sent[] = [];
      await applySignature(workflow.build(), [], {}, workflow.options ?? {}, recordingPublisher(sent));
      const python = capturedMessages(name).map((m) => ({
        args: m.body[0],
        kwargs: m.body[1],
        embed: m.body[2],
        group: m.envelope.headers.group ?? null,
        groupIndex: m.envelope.headers.group_index ?? null,
      }));
      // Python's reply_to is its thread oid; ours is the fake publisher's.
      const ours = JSON.parse(JSON.stringify(sent).replaceAll('reply-oid', 'REPLY')) as unknown;
      const theirs = JSON.parse(JSON.stringify(python).replace(/"reply_to": ?"[^"]*"/g, '"reply_to":"REPLY"')) as unknown;
      const sortByIndex = (list: unknown) => [...(list as Sent[])].sort((a, b) => (a.groupIndex ?? 0) - (b.groupIndex ?? 0));
      assert.deepEqual(normalizeIds(sortByIndex(ours)), normalizeIds(sortByIndex(theirs)));
    });
  }
});

describe('backend captures of canvas results', () => {
  test('backend-group: a saved group restores to the captured ids, and celeriac saves the same value', async () => {
    const capture = fixture<{ group_id: string; task_ids: string[]; stored_group: { raw: string } }>('backend-group');
    const saved = new Map<string, unknown>();
    const backend = {
      restoreGroup: async (id: string) => decodeSavedGroup(id, saved.get(id) as string),
      saveGroup: async (id: string, tuple: unknown) => void saved.set(id, encodeSavedGroup(tuple)),
    };
    saved.set(capture.group_id, capture.stored_group.raw);
    const restored = await GroupResult.restore(capture.group_id, { backend: async () => backend as never });
    assert.ok(restored);
    assert.deepEqual(
      restored.results.map((r) => r.id),
      capture.task_ids,
    );
    await restored.save();
    assert.deepEqual(JSON.parse(saved.get(capture.group_id) as string), JSON.parse(capture.stored_group.raw));
  });

  test('backend-chord: the .j members are [1, task_id, state, result]; the body got the values in order', () => {
    const capture = fixture<{
      worker_commands: Array<{ args: string[]; decoded_member?: unknown[] }>;
      callback_message: Array<{ decoded_payload: { body: CapturedMessage['body'] } }>;
    }>('backend-chord');
    const members = capture.worker_commands
      .filter((c) => c.args[0] === 'ZADD')
      .map((c): [number, unknown[]] => [Number(c.args[2]), JSON.parse(c.args[3]!) as unknown[]]);
    for (const [score, member] of members) {
      assert.equal(member.length, 4);
      assert.equal(member[0], 1);
      assert.equal(member[2], 'SUCCESS');
      // What celeriac writes for the same part is the same JSON value.
      assert.deepEqual(JSON.parse(encodeJson([1, member[1], 'SUCCESS', member[3]])), member);
      assert.equal(typeof score, 'number');
    }
    const values = members.sort((a, b) => a[0] - b[0]).map(([, member]) => member[3]);
    assert.deepEqual(capture.callback_message[0]!.decoded_payload.body[0], [values]);
  });

  test('backend-children: a step stores the next as [[id, null], null], the shape of AsyncResult.asTuple', () => {
    const capture = fixture<{ stored_chain: Array<{ decoded: { children: unknown[]; task_id: string } }> }>('backend-children');
    const [first, second] = capture.stored_chain;
    const child = app.asyncResult(second!.decoded.task_id);
    assert.deepEqual(first!.decoded.children, [child.asTuple()]);
  });
});
