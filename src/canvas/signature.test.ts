import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CeleriacError } from '../errors.js';
import { chain, chord, group } from './compose.js';
import { chordSize } from './canvas-planner.js';
import { signatureFromDict } from './signature-codec.js';
import { Chain, Chord, Chunks, Group, Signature, type AnySignature } from './signature.js';

const sig = (task: string, ...args: unknown[]): Signature => new Signature({ task, args });

test('partial arguments are prepended and kwargs merged, unless immutable', () => {
  const s = new Signature({ task: 't', args: [2], kwargs: { a: 1 } });
  assert.deepEqual(s.merge([1], { b: 2 }), { args: [1, 2], kwargs: { a: 1, b: 2 }, options: {} });
  s.setImmutable(true);
  assert.deepEqual(s.merge([1], { b: 2 }).args, [2]);
});

test('merged options never replace a group id already set (Celery _IMMUTABLE_OPTIONS)', () => {
  const s = new Signature({ task: 't', options: { groupId: 'g1', queue: 'a' } });
  assert.deepEqual(s.merge([], {}, { groupId: 'g2', queue: 'b' }).options, { groupId: 'g1', queue: 'b' });
});

test('clone copies nested signatures, so changing the copy leaves the original alone', () => {
  const s = sig('t', 1);
  s.link(sig('cb'));
  const copy = s.clone([0]);
  (copy.options.link as AnySignature[])[0]!.args.push('x');
  assert.deepEqual(copy.args, [0, 1]);
  assert.deepEqual((s.options.link as AnySignature[])[0]!.args, []);
  assert.ok(copy instanceof Signature);
  assert.ok(chain(sig('a'), sig('b')).clone() instanceof Chain);
});

test('pipe composes as Celery\'s |', () => {
  const a = sig('a');
  const b = sig('b');
  const c = sig('c');
  const ab = a.pipe(b);
  assert.ok(ab instanceof Chain);
  assert.deepEqual((ab as Chain).tasks.map((t) => t.task), ['a', 'b']);
  // chain | chain splices; a nested chain in chain() is spliced too.
  assert.deepEqual(chain(a, chain(b, c)).tasks.map((t) => t.task), ['a', 'b', 'c']);
  // group | task → chord; chain ending in a group | task → the group becomes a chord.
  assert.ok(group(a, b).pipe(c) instanceof Chord);
  const upgraded = chain(a, group(b, c)).pipe(sig('d')) as Chain;
  assert.ok(upgraded.tasks[1] instanceof Chord);
  // chord | task extends the body into a chain.
  const extended = chord([a, b], c).pipe(sig('d')) as Chord;
  assert.ok(extended.body instanceof Chain);
  // A one-member group is unrolled.
  const unrolled: AnySignature = a.pipe(group(b));
  assert.ok(unrolled instanceof Chain);
  assert.equal(unrolled.tasks[1]!.task, 'b');
});

test('a group refuses a callback (use a chord); its errback goes to every member', () => {
  const g = group(sig('a'), sig('b'));
  assert.throws(() => g.link(sig('cb')), (err: unknown) => err instanceof CeleriacError && err.code === 'CANVAS_INVALID');
  const eb = sig('eb');
  g.linkError(eb);
  for (const member of g.tasks) assert.deepEqual(member.options.linkError, [eb]);
});

test('a chord sends link and linkError to its body', () => {
  const c = chord([sig('a')], sig('body'));
  c.link(sig('cb'));
  c.linkError(sig('eb'));
  assert.equal((c.body.options.link as AnySignature[])[0]!.task, 'cb');
  assert.equal((c.body.options.linkError as AnySignature[])[0]!.task, 'eb');
});

test('chunks cut the items into starmap parts of n', () => {
  const c = new Chunks(sig('tasks.add'), [[1, 1], [2, 2], [3, 3]], 2);
  const parts = c.group().tasks;
  assert.deepEqual(
    parts.map((p) => [p.task, p.kwargs.it]),
    [
      ['celery.starmap', [[1, 1], [2, 2]]],
      ['celery.starmap', [[3, 3]]],
    ],
  );
  assert.throws(() => new Chunks(sig('t'), [], 0), CeleriacError);
});

test('chord size counts tasks, the last step of chains, and nested chords by their body', () => {
  const header = new Group([sig('a'), chain(sig('b'), sig('c')), new Group([sig('d'), sig('e')]), chord([sig('x'), sig('y')], sig('z'))]);
  assert.equal(chordSize(header), 5);
});

test('signatureFromDict rebuilds workflows and rejects what is not a signature', () => {
  const dict = chord([sig('a', 1)], chain(sig('b'), sig('c'))).toDict();
  const back = signatureFromDict(dict);
  assert.ok(back instanceof Chord);
  assert.ok(back.body instanceof Chain);
  assert.deepEqual(back.toDict(), dict);
  assert.throws(() => signatureFromDict({ args: [] }), (err: unknown) => err instanceof CeleriacError && err.code === 'DECODE_ERROR');
});

test('an unbound signature cannot be sent', async () => {
  await assert.rejects(sig('t').delay(), (err: unknown) => err instanceof CeleriacError && err.code === 'CANVAS_INVALID');
});
