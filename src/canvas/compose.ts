/**
 * The workflow constructors (Celery's `chain`, `group`, `chord`), typed by what they return:
 * `chain(add.s(2, 2), mul.s(8))` gives the last step's result, `group(...)` a list of its
 * members', `chord(header, body)` the body's.
 */
import type { CanvasApp } from './canvas-app.js';
import { Chain, Chord, Group, Signature, type AnySignature, type SignatureOptions } from './signature.js';

/** The result type a signature stands for. */
export type ResultOf<S> = S extends Signature<infer R, unknown> ? R : unknown;
/** The handle type `applyAsync` gives for a signature. */
export type HandleOf<S> = S extends Signature<unknown, infer H> ? H : unknown;
type Last<S extends readonly unknown[]> = S extends readonly [...unknown[], infer L] ? L : S[number];

/**
 * Steps run in sequence, each receiving the previous result as its first argument (unless it is
 * immutable). The handle is the last step's result (`.parent` walks back); a group followed by a
 * step becomes a chord, as in Celery.
 * @example await chain(add.s(2, 2), add.s(5), mul.s(8)).applyAsync().then((r) => r.get()) // 72
 */
export function chain<S extends AnySignature[]>(...tasks: S): Chain<ResultOf<Last<S>>, HandleOf<Last<S>>>;
export function chain<S extends AnySignature>(tasks: Iterable<S>, options?: SignatureOptions): Chain<ResultOf<S>, HandleOf<S>>;
export function chain(...input: unknown[]): AnySignature {
  const [tasks, options] = listAndOptions(input);
  // Built with pipe, so group → step upgrades to a chord exactly as `a | b | c` does in Celery.
  let current: AnySignature = new Chain([], options, appOf(tasks));
  for (const task of tasks) current = current.pipe(task);
  if (current instanceof Chain) Object.assign(current.options, options);
  return current;
}

/**
 * Signatures applied in parallel; the handle is a group result whose `get()` lists the members'
 * results in order.
 * @example await group([0, 1, 2].map((i) => add.s(i, i))).applyAsync().then((r) => r.get()) // [0, 2, 4]
 */
export function group<S extends AnySignature[]>(...tasks: S): Group<ResultOf<S[number]>>;
export function group<S extends AnySignature>(tasks: Iterable<S>, options?: SignatureOptions): Group<ResultOf<S>>;
export function group(...input: unknown[]): AnySignature {
  const [tasks, options] = listAndOptions(input);
  return new Group(tasks, options, appOf(tasks));
}

/**
 * A header group whose results, as one list in header order, are passed to the body once all
 * have succeeded. If a header task fails, the chord fails with a `ChordError` naming it and the
 * body's errbacks run (see docs/canvas.md).
 * @example await chord([add.s(1, 2), mul.s(3, 4)], xsum.s()).applyAsync().then((r) => r.get()) // 15
 */
export function chord<R, H>(header: Iterable<AnySignature> | Group, body: Signature<R, H>, options: SignatureOptions = {}): Chord<R> {
  const head = header instanceof Group ? header : [...header];
  return new Chord<R>(head, body, options, body.app ?? appOf(head instanceof Group ? head.tasks : head));
}

function listAndOptions(input: unknown[]): [AnySignature[], SignatureOptions] {
  const first = input[0];
  if (input.length <= 2 && first !== undefined && !(first instanceof Signature) && isIterable(first)) {
    return [[...first] as AnySignature[], (input[1] as SignatureOptions | undefined) ?? {}];
  }
  return [input as AnySignature[], {}];
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.iterator in value;
}

function appOf(tasks: AnySignature[]): CanvasApp | undefined {
  return tasks.find((t) => t.app !== undefined)?.app;
}
