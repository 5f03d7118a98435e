/**
 * Applying and freezing signatures: which task messages a workflow sends, with which ids, embeds
 * and group fields — Celery 5.2's `canvas.py` (`Signature.freeze`, `_chain.run` /
 * `prepare_steps`, `group.apply_async` / `_freeze_group_tasks`, `_chord.run`, `chunks`), so the
 * messages match what Python sends (see the `redis-chain*`, `redis-chord`, `redis-group`
 * captures) and either side's workers can carry a workflow on.
 *
 * - chain: ids are given to every step up front (the handle is the last step's result, its
 *   `parent` the step before); the first step is sent with the others, already frozen, in
 *   `chain` in reverse order (the worker pops the last). A group followed by a step becomes a
 *   chord whose body is that step.
 * - group: one group id; members (nested groups unrolled) carry it in the `group` header.
 * - chord: the header is frozen with `group_index` 0..n-1 and the body as every member's
 *   `chord`; the chord size is recorded before any header task is sent (Celery sets it just
 *   before the last one, which lets a fast header finish before the size exists); an empty
 *   header applies the body at once with `[]`.
 *
 * Freezing mutates the signature it is given (as Celery's does); applying works on clones.
 */
import { CeleriacError } from '../errors.js';
import type { GroupResultNode, Publisher, ResultNode, TaskResultNode } from './canvas-app.js';
import { Chain, Chord, Chunks, Group, type AnySignature, type SignatureOptions } from './signature.js';

/** What a freeze may set on a signature (Celery's `freeze(_id, group_id, chord, root_id, parent_id, group_index)`). */
export interface FreezeOptions {
  taskId?: string;
  groupId?: string;
  groupIndex?: number;
  chord?: AnySignature;
  rootId?: string | null;
  parentId?: string | null;
}

/**
 * Give `sig` and its parts their ids (in place) without sending anything.
 * @returns the result tree applying it will produce.
 */
export function freezeSignature(sig: AnySignature, o: FreezeOptions, p: Publisher): ResultNode {
  if (sig instanceof Chain) return freezeChain(sig, o, p);
  if (sig instanceof Group) return freezeGroup(sig, o, p);
  if (sig instanceof Chord) return freezeChord(sig, o, p);
  return freezeTask(sig, o, p);
}

/**
 * Send what `sig` stands for, with partial arguments prepended and `options` merged over its own.
 * @returns the result tree (ids and parents) of what was sent.
 * @throws CeleriacError CANVAS_INVALID for an empty chain or a group given `link` / `linkError`.
 */
export async function applySignature(
  sig: AnySignature,
  args: unknown[],
  kwargs: Record<string, unknown>,
  options: SignatureOptions,
  p: Publisher,
): Promise<ResultNode> {
  if (sig instanceof Chain) return applyChain(sig, args, kwargs, options, p);
  if (sig instanceof Group) return applyGroup(sig, args, kwargs, options, p);
  if (sig instanceof Chord) return applyChord(sig, args, kwargs, options, p);
  if (sig instanceof Chunks) return applyGroup(sig.group(), args, kwargs, options, p);
  return applyTask(sig, args, kwargs, options, p);
}

/**
 * How many header results a chord waits for (Celery's `_chord._descend`): one per task, the sum
 * over a group, the last non-empty step of a chain, a nested chord's body.
 */
export function chordSize(sig: AnySignature): number {
  if (sig instanceof Group) return sig.tasks.reduce((n, t) => n + chordSize(t), 0);
  if (sig instanceof Chain) {
    for (let i = sig.tasks.length - 1; i >= 0; i--) {
      const n = chordSize(sig.tasks[i]!);
      if (n > 0) return n;
    }
    return 0;
  }
  if (sig instanceof Chord) return chordSize(sig.body);
  return 1;
}

function freezeTask(sig: AnySignature, o: FreezeOptions, p: Publisher): TaskResultNode {
  const opts = sig.options;
  opts.taskId ??= o.taskId ?? p.newId();
  if (o.rootId) opts.rootId = o.rootId;
  if (o.parentId) opts.parentId = o.parentId;
  opts.replyTo ??= p.replyTo;
  if (o.groupId !== undefined && opts.groupId === undefined) opts.groupId = o.groupId;
  if (o.chord !== undefined) opts.chord = o.chord;
  if (o.groupIndex !== undefined) opts.groupIndex = o.groupIndex;
  return { kind: 'task', id: opts.taskId, parent: null };
}

function freezeChain(chain: Chain<unknown, unknown>, o: FreezeOptions, p: Publisher): ResultNode {
  const { steps, results } = prepareSteps(chain.args, chain.kwargs, chain.tasks, { ...o, lastTaskId: o.taskId }, false, p);
  chain.kwargs.tasks = steps.reverse();
  const last = results[0];
  if (last === undefined) throw new CeleriacError('CANVAS_INVALID', 'cannot freeze an empty chain');
  return last;
}

function freezeGroup(group: Group, o: FreezeOptions, p: Publisher): GroupResultNode {
  const opts = group.options;
  const gid = (opts.taskId ??= o.taskId ?? p.newId());
  if (o.groupId !== undefined) opts.groupId = o.groupId;
  if (o.chord !== undefined) opts.chord = o.chord;
  if (o.groupIndex !== undefined) opts.groupIndex = o.groupIndex;
  // Celery's setdefault: a frozen group dict carries `root_id` / `parent_id` even when null.
  if (!('rootId' in opts)) opts.rootId = o.rootId ?? null;
  if (!('parentId' in opts)) opts.parentId = o.parentId ?? null;
  const members = unrollGroups(group.tasks).map((t) => t.clone());
  group.kwargs.tasks = members;
  // Members get the group id when the group is applied (as Celery: frozen dicts do not carry it).
  const results = members.map((member, index) =>
    freezeSignature(member, { groupId: o.groupId, chord: o.chord, rootId: opts.rootId, parentId: opts.parentId, groupIndex: index }, p),
  );
  return { kind: 'group', id: gid, results, parent: null };
}

function freezeChord(chord: Chord<unknown>, o: FreezeOptions, p: Publisher): ResultNode {
  const header = headerGroup(chord);
  chord.kwargs.header = header;
  const headerResult = freezeGroup(header, { parentId: o.parentId, rootId: o.rootId, chord: chord.body }, p);
  const bodyResult = freezeSignature(chord.body, { taskId: o.taskId, rootId: o.rootId, chord: o.chord, groupId: o.groupId, groupIndex: o.groupIndex }, p);
  rootOf(bodyResult).parent = headerResult;
  chord.options.taskId = header.options.taskId;
  return bodyResult;
}

interface StepOptions extends FreezeOptions {
  lastTaskId?: string;
  linkError?: AnySignature | AnySignature[];
}

/**
 * Celery's `prepare_steps`: walk the steps last to first, freezing each (the last one with the
 * chain's own id, group and chord), linking results to their parents and upgrading
 * `group → step` to a chord. Returns steps and results in that reverse order.
 */
function prepareSteps(
  args: unknown[],
  kwargs: Record<string, unknown>,
  tasks: AnySignature[],
  o: StepOptions,
  clone: boolean,
  p: Publisher,
): { steps: AnySignature[]; results: ResultNode[] } {
  const pending = [...tasks];
  const steps: AnySignature[] = [];
  const results: ResultNode[] = [];
  let prevTask: AnySignature | undefined;
  let prevResult: ResultNode | undefined;
  while (pending.length > 0) {
    let task = unrollGroup(pending.pop()!);
    const isFirst = pending.length === 0;
    const isLast = steps.length === 0 && prevTask === undefined;
    if (task instanceof Chain) {
      // A nested chain (decoded, not built with chain()) is spliced in place.
      pending.push(...task.tasks);
      continue;
    }
    if (clone) task = isFirst ? task.clone(args, kwargs) : task.clone();
    else if (isFirst && !task.immutable && args.length > 0) task.args = [...args, ...task.args];
    let upgraded: ResultNode | undefined;
    if (task instanceof Group && prevTask !== undefined) {
      // group(...) followed by a step: a chord whose body is that step (already frozen).
      steps.pop();
      results.pop();
      upgraded = prevResult;
      task = new Chord(task, prevTask, { taskId: prevResult?.id, rootId: o.rootId ?? undefined }, task.app);
    }
    let result = isLast
      ? freezeSignature(task, { taskId: o.lastTaskId, rootId: o.rootId, groupId: o.groupId, chord: o.chord, groupIndex: o.groupIndex }, p)
      : freezeSignature(task, { rootId: o.rootId }, p);
    if (upgraded !== undefined && upgraded.id === result.id) {
      // Keep the body's node (later steps already point at it) and hang the header under it.
      upgraded.parent = result.parent;
      result = upgraded;
    }
    if (prevResult !== undefined && prevResult.parent === null) prevResult.parent = result;
    for (const errback of listOf(o.linkError)) task.linkError(errback);
    steps.push(task);
    results.push(result);
    prevTask = task;
    // A chord's result is its body's; the step before it becomes the parent of its header.
    prevResult = task instanceof Chord ? rootOf(result) : result;
  }
  return { steps, results };
}

async function applyTask(
  sig: AnySignature,
  args: unknown[],
  kwargs: Record<string, unknown>,
  options: SignatureOptions,
  p: Publisher,
): Promise<ResultNode> {
  const merged = sig.merge(args, kwargs, options);
  const taskId = merged.options.taskId ?? p.newId();
  await p.publishTask(sig.task, merged.args, merged.kwargs, { ...merged.options, taskId });
  return { kind: 'task', id: taskId, parent: null };
}

async function applyChain(
  chain: Chain<unknown, unknown>,
  args: unknown[],
  kwargs: Record<string, unknown>,
  options: SignatureOptions,
  p: Publisher,
): Promise<ResultNode> {
  const { taskId, link, linkError, groupId, groupIndex, chord, chain: outerChain, ...rest } = { ...chain.options, ...defined(options) };
  const partial = chain.immutable ? chain.args : [...args, ...chain.args];
  const { steps, results } = prepareSteps(
    partial,
    kwargs,
    chain.tasks,
    { lastTaskId: taskId, groupId, groupIndex, chord, rootId: rest.rootId, linkError },
    true,
    p,
  );
  const first = steps.pop();
  if (first === undefined) throw new CeleriacError('CANVAS_INVALID', 'cannot apply an empty chain');
  const lastStep = steps[0] ?? first;
  for (const callback of listOf(link)) lastStep.link(callback);
  // The outer chain's remaining steps run after this chain's (Celery's `options['chain'] + tasks`).
  const applied = await applySignature(first, [], {}, { ...rest, chain: [...(outerChain ?? []), ...steps] }, p);
  return steps.length === 0 ? applied : results[0]!;
}

async function applyGroup(
  group: Group,
  args: unknown[],
  kwargs: Record<string, unknown>,
  options: SignatureOptions,
  p: Publisher,
): Promise<GroupResultNode> {
  if (options.link !== undefined) throw new CeleriacError('CANVAS_INVALID', 'cannot link a callback to a group: use a chord');
  if (options.linkError !== undefined) throw new CeleriacError('CANVAS_INVALID', 'cannot link an errback to a group: set it on its members');
  const { taskId, ...rest } = { ...group.options, ...defined(options) };
  const gid = taskId ?? p.newId();
  const members = unrollGroups(group.tasks).map((t) => t.clone());
  const results = members.map((member) => freezeSignature(member, { groupId: gid, rootId: rest.rootId }, p));
  // The members' frozen group fields win over the group's own (a group inside a chord header).
  const { groupId: _g, groupIndex: _i, chord: _c, ...shared } = rest;
  await Promise.all(members.map((member) => applySignature(member, args, kwargs, shared, p)));
  return { kind: 'group', id: gid, results, parent: null };
}

async function applyChord(
  chord: Chord<unknown>,
  args: unknown[],
  kwargs: Record<string, unknown>,
  options: SignatureOptions,
  p: Publisher,
): Promise<ResultNode> {
  const partial = chord.immutable ? chord.args : [...args, ...chord.args];
  const { taskId, ...rest } = { ...chord.options, ...defined(options) };
  const body = chord.body.clone();
  const header = headerGroup(chord).clone();
  const gid = header.options.taskId ?? p.newId();
  const rootId = body.options.rootId;
  // Celery gives the body every option of the call, the rest of an outer chain included.
  Object.assign(body.options, defined({ ...rest, chain: rest.chain?.length ? rest.chain : undefined }));
  const bodyResult = freezeSignature(body, { taskId, rootId }, p);
  const { chain: _chain, chord: _chord, ...headerOptions } = rest;
  const headerResult = freezeGroup(header, { taskId: gid, chord: body, rootId }, p);
  if (header.tasks.length === 0) {
    await applySignature(body, [[]], {}, {}, p);
  } else {
    await p.setChordSize(gid, chordSize(header));
    await applyGroup(header, partial, kwargs, { ...headerOptions, taskId: gid }, p);
  }
  rootOf(bodyResult).parent = headerResult;
  return bodyResult;
}

/** A chord's header as a group (Celery keeps a built chord's header as a list). */
function headerGroup(chord: Chord<unknown>): Group {
  const header = chord.kwargs.header as AnySignature[] | Group;
  return header instanceof Group ? header : new Group(header, {}, chord.app);
}

/** Members of nested groups run in parallel with the rest: splice them in (Celery's `_freeze_unroll`). */
function unrollGroups(tasks: AnySignature[]): AnySignature[] {
  return tasks.flatMap((t) => (t instanceof Group ? unrollGroups(t.tasks) : [t]));
}

function unrollGroup(sig: AnySignature): AnySignature {
  return sig instanceof Group && sig.tasks.length === 1 ? sig.tasks[0]! : sig;
}

function rootOf(node: ResultNode): ResultNode {
  const seen = new Set<ResultNode>();
  let current = node;
  while (current.parent !== null) {
    if (seen.has(current)) throw new CeleriacError('CANVAS_INVALID', 'recursive result parents');
    seen.add(current);
    current = current.parent;
  }
  return current;
}

function listOf(value: AnySignature | AnySignature[] | undefined): AnySignature[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function defined(options: SignatureOptions): SignatureOptions {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (value !== undefined) out[key] = value;
  return out;
}

