import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CeleriacError } from '../errors.js';
import type { Publisher, ResultNode } from './canvas-app.js';
import { applySignature, freezeSignature } from './canvas-planner.js';
import { chain, chord, group } from './compose.js';
import { Signature, type AnySignature, type SignatureOptions } from './signature.js';

interface Sent {
  task: string;
  args: unknown[];
  options: SignatureOptions;
}

function publisher(): Publisher & { sent: Sent[]; sizes: Array<[string, number]> } {
  let n = 0;
  const sent: Sent[] = [];
  const sizes: Array<[string, number]> = [];
  return {
    sent,
    sizes,
    replyTo: 'oid',
    newId: () => `id${++n}`,
    publishTask: async (task, args, _kwargs, options) => void sent.push({ task, args, options }),
    setChordSize: async (groupId, size) => void sizes.push([groupId, size]),
  };
}

const sig = (task: string, ...args: unknown[]): Signature => new Signature({ task, args });

/** Ids from the result back to the first step. */
function lineage(node: ResultNode | null): string[] {
  const ids: string[] = [];
  for (let n = node; n !== null; n = n.parent) ids.push(n.id);
  return ids;
}

test('chain: the first step is sent with the rest reversed in `chain`; the result is the last step', async () => {
  const p = publisher();
  const result = await applySignature(chain(sig('a', 1), sig('b'), sig('c')), [], {}, {}, p);
  assert.equal(p.sent.length, 1);
  const [first] = p.sent;
  assert.equal(first!.task, 'a');
  assert.deepEqual(
    first!.options.chain!.map((s) => s.task),
    ['c', 'b'],
  );
  const [c, b] = first!.options.chain!;
  assert.deepEqual(lineage(result), [c!.id, b!.id, first!.options.taskId]);
});

test('chain: partial args go to the first step; linkError goes on every step; link on the last', async () => {
  const p = publisher();
  const eb = sig('eb');
  const cb = sig('cb');
  await applySignature(chain(sig('a'), sig('b')), [7], {}, { linkError: eb, link: cb }, p);
  const [first] = p.sent;
  assert.deepEqual(first!.args, [7]);
  assert.deepEqual(first!.options.linkError, [eb]);
  const last = first!.options.chain![0]!;
  assert.deepEqual(last.options.linkError, [eb]);
  assert.deepEqual(last.options.link, [cb]);
});

test('group: members carry the group id (no index), partial args are prepended to each', async () => {
  const p = publisher();
  const result = await applySignature(group(sig('a', 1), sig('b', 2)), [0], {}, {}, p);
  assert.equal(result.kind, 'group');
  assert.deepEqual(
    p.sent.map((s) => [s.task, s.args, s.options.groupId, s.options.groupIndex]),
    [
      ['a', [0, 1], result.id, undefined],
      ['b', [0, 2], result.id, undefined],
    ],
  );
  await assert.rejects(applySignature(group(sig('a')), [], {}, { link: sig('x') }, p), CeleriacError);
});

test('chord: size recorded first, header indexed with the body as chord, result = body with the header as parent', async () => {
  const p = publisher();
  const result = await applySignature(chord([sig('a'), sig('b')], sig('body')), [], {}, {}, p);
  const header = result.parent!;
  assert.equal(header.kind, 'group');
  assert.deepEqual(p.sizes, [[header.id, 2]]);
  assert.deepEqual(
    p.sent.map((s) => [s.task, s.options.groupId, s.options.groupIndex, s.options.chord?.id]),
    [
      ['a', header.id, 0, result.id],
      ['b', header.id, 1, result.id],
    ],
  );
});

test('chord with an empty header applies the body at once with []', async () => {
  const p = publisher();
  await applySignature(chord([], sig('body')), [], {}, {}, p);
  assert.deepEqual(
    p.sent.map((s) => [s.task, s.args]),
    [['body', [[]]]],
  );
  assert.deepEqual(p.sizes, []);
});

test('freeze gives ids without sending; applying the frozen signature keeps them', async () => {
  const p = publisher();
  const c = chain(sig('a'), sig('b')) as AnySignature;
  const frozen = freezeSignature(c, {}, p);
  assert.equal(p.sent.length, 0);
  const applied = await applySignature(c, [], {}, {}, p);
  assert.equal(applied.id, frozen.id);
});

test('chain(group, task) is sent as a chord whose body is the task', async () => {
  const p = publisher();
  const result = await applySignature(chain(group(sig('a'), sig('b')), sig('sum')), [], {}, {}, p);
  assert.deepEqual(
    p.sent.map((s) => s.options.chord?.task),
    ['sum', 'sum'],
  );
  assert.equal(p.sent[0]!.options.chord!.id, result.id);
});
