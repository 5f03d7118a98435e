/**
 * Signatures and workflows as data (Celery's `celery/canvas.py`): a {@link Signature} is one task
 * call waiting to happen — name, arguments, options — and {@link Chain}, {@link Group},
 * {@link Chord} and {@link Chunks} are signatures made of signatures. They are plain values
 * (cloned, composed with `pipe`, encoded to Celery's dict form with `toDict`); a signature bound
 * to an app (`add.s(2, 2)`, `app.signature(name)`) can also be sent with `delay` / `applyAsync`.
 *
 * The classes live in one file because composing them is mutually recursive (`group.pipe(task)`
 * makes a chord, `chain.pipe(task)` after a group upgrades it to one, as Celery's `|`).
 */
import { CeleriacError } from '../errors.js';
import { formatKombuDate } from '../protocol/celery-date.js';
import { SIGNATURE_OPTION_WIRE_NAMES, type SignatureDict, type SignatureOptionName } from '../protocol/signature-dict.js';
import type { CallingOptions } from './calling-options.js';
import type { CanvasApp, GroupHandle, TaskHandle } from './canvas-app.js';

/**
 * Options a signature carries to `applyAsync`: the {@link CallingOptions}, with dates also as ISO
 * text and ids also null (as Python's signatures carry them), and options celeriac does not model.
 */
export interface SignatureOptions extends CallingOptions {
  /** Run no earlier than this time (a Date, or ISO text as Python sends it). */
  eta?: Date | string;
  /** Do not run after this: **seconds** after sending, or an absolute time (Date or ISO text). */
  expires?: number | Date | string;
  /** The task that sent this one (Celery's `parent_id`). */
  parentId?: string | null;
  /** The first task of the workflow (Celery's `root_id`). */
  rootId?: string | null;
  /** Options celeriac does not model, under their wire names; they travel on unchanged. */
  extra?: Record<string, unknown>;
}

export interface SignatureInit {
  task: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  options?: SignatureOptions;
  subtaskType?: string | null;
  immutable?: boolean;
  chordSize?: number | null;
}

/**
 * The app each signature is bound to, kept outside the object so encoders walking a signature
 * (JSON, repr) never reach the app, and clones made with `Object.create` can be bound too.
 */
const apps = new WeakMap<object, CanvasApp>();

/** Any signature, whatever its result type. */
export type AnySignature = Signature<unknown, unknown>;

/**
 * One task call waiting to happen (Celery's `Signature`).
 *
 * Partial application, as Celery: arguments given when the signature is applied (or the return
 * value of the previous chain step) are **prepended** to its own, keyword arguments merged over
 * its own, unless it is immutable (`task.si(...)`).
 * @example
 * ```ts
 * const sig = add.s(2).set({ countdown: 10 }); // add(?, 2) in ten seconds
 * await sig.delay(3);                           // add(3, 2)
 * ```
 */
export class Signature<R = unknown, H = TaskHandle<R>> {
  /** Type only: what the task returns. */
  declare readonly resultType?: R;
  /** Type only: the handle `applyAsync` gives. */
  declare readonly handleType?: H;
  /** Registered task name (`tasks.add`; `celery.chain` etc. for workflows). */
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  options: SignatureOptions;
  /** `chain`, `group`, `chord` or null (Celery's `subtask_type`). */
  subtaskType: string | null;
  /** True: applying it ignores partial arguments (Celery's `immutable`, `task.si()`). */
  immutable: boolean;
  /** Celery's optional `chord_size`; kept when decoded, written only when set. */
  chordSize: number | null | undefined;

  constructor(init: SignatureInit, app?: CanvasApp) {
    this.task = init.task;
    this.args = init.args ?? [];
    this.kwargs = init.kwargs ?? {};
    this.options = init.options ?? {};
    this.subtaskType = init.subtaskType ?? null;
    this.immutable = init.immutable ?? false;
    this.chordSize = init.chordSize;
    if (app !== undefined) apps.set(this, app);
  }

  /** The app `delay` / `applyAsync` send through, if bound. */
  get app(): CanvasApp | undefined {
    return apps.get(this);
  }

  /** Bind to an app (for signatures built by name or decoded). @returns this */
  bind(app: CanvasApp): this {
    apps.set(this, app);
    return this;
  }

  /** Celery's `sig.name`: the task name. */
  get name(): string {
    return this.task;
  }

  /** The task id once frozen or set (`options.taskId`). */
  get id(): string | undefined {
    return this.options.taskId;
  }

  /**
   * A copy (Celery's `clone`), with partial arguments prepended and options merged over its own
   * (except a `groupId` already set). Nested signatures in options are copied too.
   */
  clone(args: unknown[] = [], kwargs: Record<string, unknown> = {}, options?: SignatureOptions): this {
    const copy = Object.create(Object.getPrototypeOf(this) as object) as this;
    const merged = this.merge(args, kwargs, options);
    copy.task = this.task;
    copy.args = [...merged.args];
    copy.kwargs = this.cloneKwargs(merged.kwargs);
    copy.options = cloneOptions(merged.options);
    copy.subtaskType = this.subtaskType;
    copy.immutable = this.immutable;
    copy.chordSize = this.chordSize;
    const app = apps.get(this);
    if (app !== undefined) apps.set(copy, app);
    return copy;
  }

  /** Arguments, keyword arguments and options as applying with these partials would use them (Celery's `_merge`). */
  merge(
    args: unknown[] = [],
    kwargs: Record<string, unknown> = {},
    options?: SignatureOptions,
  ): { args: unknown[]; kwargs: Record<string, unknown>; options: SignatureOptions } {
    let mergedOptions = this.options;
    if (options !== undefined) {
      mergedOptions = { ...this.options, ...definedOnly(options) };
      if (this.options.groupId !== undefined) mergedOptions.groupId = this.options.groupId;
    }
    if (this.immutable) return { args: this.args, kwargs: this.kwargs, options: mergedOptions };
    return {
      args: args.length > 0 ? [...args, ...this.args] : this.args,
      kwargs: Object.keys(kwargs).length > 0 ? { ...this.kwargs, ...kwargs } : this.kwargs,
      options: mergedOptions,
    };
  }

  /** Copies the kwargs for {@link clone}; workflows copy the signatures they hold. */
  protected cloneKwargs(kwargs: Record<string, unknown>): Record<string, unknown> {
    return { ...kwargs };
  }

  /** Set options in place (Celery's `set`); `immutable` sets {@link immutable}. @returns this */
  set(options: SignatureOptions & { immutable?: boolean }): this {
    const { immutable, ...rest } = options;
    if (immutable !== undefined) this.setImmutable(immutable);
    Object.assign(this.options, definedOnly(rest));
    return this;
  }

  /** @returns this */
  setImmutable(immutable: boolean): this {
    this.immutable = immutable;
    return this;
  }

  /** Add a success callback (Celery's `link`). @returns the callback, as Celery. */
  link<S extends AnySignature>(callback: S): S {
    this.options.link = appendOnce(this.options.link, callback);
    return callback;
  }

  /** Add an errback, applied with the failed task's id (Celery's `link_error`). @returns the errback. */
  linkError<S extends AnySignature>(errback: S): S {
    this.options.linkError = appendOnce(this.options.linkError, errback);
    return errback;
  }

  /** {@link linkError} that returns this signature, for chaining calls (Celery's `on_error`). */
  onError(errback: AnySignature): this {
    this.linkError(errback);
    return this;
  }

  /**
   * Compose (Celery's `|`; TypeScript has no operator overloading): `a.pipe(b)` runs `b` with
   * `a`'s result. After a group it makes a chord; see {@link Chain} and {@link Group}.
   */
  pipe<S, HS>(next: Signature<S, HS>): Signature<S, HS>;
  pipe(...next: AnySignature[]): AnySignature;
  pipe(...next: AnySignature[]): AnySignature {
    return next.reduce<AnySignature>((current, other) => current.pipeOne(other), this);
  }

  /** One step of {@link pipe}. */
  protected pipeOne(other: AnySignature): AnySignature {
    if (other instanceof Chain) return new Chain([this, ...other.tasks], {}, this.app);
    return new Chain([this, unrollGroup(other)], {}, this.app);
  }

  /** Send with positional arguments prepended (Celery's `delay`). @throws CeleriacError CANVAS_INVALID when not bound to an app. */
  delay(...args: unknown[]): Promise<H> {
    return this.applyAsync(args);
  }

  /**
   * Send it (Celery's `apply_async`): `args` prepended to the signature's own (unless immutable),
   * `kwargs` merged over its own, `options` over its options.
   * @throws CeleriacError CANVAS_INVALID when not bound to an app; the broker's error when sending fails.
   */
  async applyAsync(args: unknown[] = [], kwargs: Record<string, unknown> = {}, options: SignatureOptions = {}): Promise<H> {
    return (await this.requireApp().applySignature(this, args, kwargs, options)) as H;
  }

  /** Give it (and its parts) ids now, without sending, and return the handle those ids will have (Celery's `freeze`). */
  freeze(): H {
    return this.requireApp().freezeSignature(this) as H;
  }

  /** Celery's dict form (`canvas-signatures.json`), nested signatures included. */
  toDict(): SignatureDict {
    const dict: SignatureDict = {
      task: this.task,
      args: this.args,
      kwargs: encodeNested(this.kwargs) as Record<string, unknown>,
      options: encodeOptions(this.options),
      subtask_type: this.subtaskType,
      immutable: this.immutable,
    };
    if (this.chordSize !== undefined) dict.chord_size = this.chordSize;
    return dict;
  }

  /** So `JSON.stringify` (and task arguments holding signatures) write the dict form. */
  toJSON(): SignatureDict {
    return this.toDict();
  }

  protected requireApp(): CanvasApp {
    const app = this.app;
    if (app === undefined) {
      throw new CeleriacError('CANVAS_INVALID', `signature ${this.task} is not bound to an app: build it with task.s() / app.signature(), or call bind(app)`);
    }
    return app;
  }
}

/**
 * Steps run one after another, each receiving the previous step's result (Celery's `chain`).
 * The handle is the last step's result; its `parent` walks back through the steps.
 */
export class Chain<R = unknown, H = TaskHandle<R>> extends Signature<R, H> {
  constructor(tasks: AnySignature[], options: SignatureOptions = {}, app?: CanvasApp) {
    super({ task: 'celery.chain', kwargs: { tasks: flattenChains(tasks) }, options, subtaskType: 'chain' }, app ?? tasks[0]?.app);
  }

  get tasks(): AnySignature[] {
    return this.kwargs.tasks as AnySignature[];
  }

  protected override cloneKwargs(kwargs: Record<string, unknown>): Record<string, unknown> {
    return { ...kwargs, tasks: (kwargs.tasks as AnySignature[]).map((t) => t.clone()) };
  }

  protected override pipeOne(other: AnySignature): AnySignature {
    const app = this.app;
    if (other instanceof Chain) return new Chain([...this.tasks, ...other.tasks], {}, app);
    if (other instanceof Group) return new Chain([...this.tasks, unrollGroup(other)], {}, app);
    const last = this.tasks.at(-1);
    if (last instanceof Group) {
      const copy = this.clone();
      copy.tasks[copy.tasks.length - 1] = new Chord(last, other, {}, app);
      return copy;
    }
    if (last instanceof Chord) {
      const copy = this.clone();
      const chord = copy.tasks.at(-1) as Chord;
      chord.body = chord.body.pipe(other);
      return copy;
    }
    return new Chain([...this.tasks, other], {}, app);
  }
}

/** Signatures applied in parallel (Celery's `group`); the handle is a group result. */
export class Group<R = unknown> extends Signature<R[], GroupHandle<R>> {
  constructor(tasks: AnySignature[], options: SignatureOptions = {}, app?: CanvasApp) {
    super({ task: 'celery.group', kwargs: { tasks }, options, subtaskType: 'group' }, app ?? tasks[0]?.app);
  }

  get tasks(): AnySignature[] {
    return this.kwargs.tasks as AnySignature[];
  }

  protected override cloneKwargs(kwargs: Record<string, unknown>): Record<string, unknown> {
    return { ...kwargs, tasks: (kwargs.tasks as AnySignature[]).map((t) => t.clone()) };
  }

  /** `group.pipe(task)` is a chord, as Celery's `group | task`. */
  protected override pipeOne(other: AnySignature): AnySignature {
    return new Chord(this, other, {}, this.app);
  }

  /** A group cannot carry a callback for all its members: use a chord (Celery raises the same). */
  override link<S extends AnySignature>(_callback: S): S {
    throw new CeleriacError('CANVAS_INVALID', 'cannot link a callback to a group: use a chord (group.pipe(callback))');
  }

  /** Every member gets the errback (it may run more than once). */
  override linkError<S extends AnySignature>(errback: S): S {
    for (const task of this.tasks) task.linkError(errback);
    return errback;
  }

  override setImmutable(immutable: boolean): this {
    for (const task of this.tasks) task.setImmutable(immutable);
    return this;
  }
}

/**
 * A group (the header) whose results, in header order, are passed as one list to the body
 * (Celery's `chord`). The handle is the body's result; its `parent` is the header's group result.
 */
export class Chord<R = unknown> extends Signature<R, TaskHandle<R>> {
  constructor(header: AnySignature[] | Group, body: AnySignature, options: SignatureOptions = {}, app?: CanvasApp) {
    super(
      { task: 'celery.chord', kwargs: { kwargs: {}, header, body }, options, subtaskType: 'chord' },
      app ?? body.app ?? (header instanceof Group ? header.app : header[0]?.app),
    );
  }

  /** The header's signatures (the header may be kept as a list or as a group, as Celery does). */
  get header(): AnySignature[] {
    const header = this.kwargs.header as AnySignature[] | Group;
    return header instanceof Group ? header.tasks : header;
  }

  get body(): AnySignature {
    return this.kwargs.body as AnySignature;
  }

  set body(body: AnySignature) {
    this.kwargs.body = body;
  }

  protected override cloneKwargs(kwargs: Record<string, unknown>): Record<string, unknown> {
    const header = kwargs.header as AnySignature[] | Group;
    return {
      ...kwargs,
      header: header instanceof Group ? header.clone() : header.map((t) => t.clone()),
      body: (kwargs.body as AnySignature).clone(),
    };
  }

  /** `chord.pipe(task)` extends the body; a chain or group after it makes a chain. */
  protected override pipeOne(other: AnySignature): AnySignature {
    if (other instanceof Chain || other instanceof Group) return super.pipeOne(other);
    const copy = this.clone();
    copy.body = copy.body.pipe(other);
    return copy;
  }

  override link<S extends AnySignature>(callback: S): S {
    return this.body.link(callback);
  }

  override linkError<S extends AnySignature>(errback: S): S {
    return this.body.linkError(errback);
  }
}

/**
 * `task.chunks(items, n)` (Celery's `chunks`): the argument tuples cut into parts of `n`, each
 * part one `celery.starmap` task, all parts a group. Its dict form is a `celery.chunks` task
 * signature (what a worker receiving it as a callback runs).
 */
export class Chunks<R = unknown> extends Signature<R[][], GroupHandle<R[]>> {
  constructor(task: AnySignature, items: unknown[][], n: number, options: SignatureOptions = {}, app?: CanvasApp) {
    if (!Number.isInteger(n) || n < 1) throw new CeleriacError('CANVAS_INVALID', `chunks: the chunk size must be a positive integer, got ${n}`);
    super({ task: 'celery.chunks', kwargs: { task, it: items, n }, options, immutable: true }, app ?? task.app);
  }

  /** The group of `celery.starmap` signatures this stands for. */
  group(): Group<R[]> {
    const task = this.kwargs.task as AnySignature;
    const items = this.kwargs.it as unknown[][];
    const n = this.kwargs.n as number;
    const parts: AnySignature[] = [];
    for (let i = 0; i < items.length; i += n) parts.push(starmapSignature(task, items.slice(i, i + n), this.app));
    return new Group<R[]>(parts, { ...this.options }, this.app);
  }
}

/** `task.map(items)`: one `celery.map` task calling the task on each item in turn, in the worker. */
export function mapSignature(task: AnySignature, items: unknown[], app?: CanvasApp): Signature<unknown[]> {
  return new Signature({ task: 'celery.map', kwargs: { task, it: items }, immutable: true }, app ?? task.app);
}

/** `task.starmap(items)`: one `celery.starmap` task calling the task with each argument tuple in turn. */
export function starmapSignature(task: AnySignature, items: unknown[][], app?: CanvasApp): Signature<unknown[]> {
  return new Signature({ task: 'celery.starmap', kwargs: { task, it: items }, immutable: true }, app ?? task.app);
}

/** A group of one member is that member, as Celery's `maybe_unroll_group`. */
function unrollGroup(sig: AnySignature): AnySignature {
  return sig instanceof Group && sig.tasks.length === 1 ? sig.tasks[0]!.clone() : sig;
}

/** Nested chains are spliced in (Celery's `chain(a, chain(b, c))` is `a | b | c`). */
function flattenChains(tasks: AnySignature[]): AnySignature[] {
  return tasks.flatMap((t) => (t instanceof Chain ? flattenChains(t.tasks) : [t]));
}

function appendOnce(list: AnySignature | AnySignature[] | undefined, item: AnySignature): AnySignature[] {
  const items = list === undefined ? [] : Array.isArray(list) ? list : [list];
  return items.includes(item) ? items : [...items, item];
}

function definedOnly(options: SignatureOptions): SignatureOptions {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (value !== undefined) out[key] = value;
  return out;
}

function cloneOptions(options: SignatureOptions): SignatureOptions {
  const copy: SignatureOptions = { ...options };
  if (options.link !== undefined) copy.link = Array.isArray(options.link) ? options.link.map((s) => s.clone()) : options.link.clone();
  if (options.linkError !== undefined) {
    copy.linkError = Array.isArray(options.linkError) ? options.linkError.map((s) => s.clone()) : options.linkError.clone();
  }
  if (options.chord !== undefined) copy.chord = options.chord.clone();
  if (options.chain !== undefined) copy.chain = [...options.chain];
  if (options.headers !== undefined) copy.headers = { ...options.headers };
  return copy;
}

/** Signatures anywhere in a value become dicts; everything else is kept. */
function encodeNested(value: unknown): unknown {
  if (value instanceof Signature) return value.toDict();
  if (Array.isArray(value)) return value.some((v) => typeof v === 'object' && v !== null) ? value.map(encodeNested) : value;
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = encodeNested(v);
    return out;
  }
  return value;
}

/** Options under Celery's names, in the order they were set; `extra` last. */
function encodeOptions(options: SignatureOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (key === 'extra' || value === undefined) continue;
    const wire = SIGNATURE_OPTION_WIRE_NAMES[key as SignatureOptionName] ?? key;
    out[wire] = value instanceof Date ? formatKombuDate(value) : encodeNested(value);
  }
  if (options.extra) Object.assign(out, options.extra);
  return out;
}
