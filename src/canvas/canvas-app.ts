/**
 * The ports canvas declares and the app implements (DESIGN.md: canvas is layer 2, the app layer
 * 4), and the result trees that pass between them.
 *
 * - {@link Publisher}: what applying a workflow needs — new ids, one task message at a time, and
 *   the chord size written before a chord's header is sent (Celery's `backend.set_chord_size`).
 * - {@link CanvasApp}: what a signature bound to an app calls for `applyAsync` / `freeze`; the app
 *   runs the planner with its publisher and wraps the {@link ResultNode} tree in its result
 *   handles.
 */
import type { AnySignature, SignatureOptions } from './signature.js';

/** The id tree of what applying a signature started: Celery's `AsyncResult` / `GroupResult` with `parent` links. */
export type ResultNode = TaskResultNode | GroupResultNode;

export interface TaskResultNode {
  kind: 'task';
  id: string;
  /** The step before this one in a chain (or a chord's header), as `AsyncResult.parent`. */
  parent: ResultNode | null;
}

export interface GroupResultNode {
  kind: 'group';
  /** The group id. */
  id: string;
  results: ResultNode[];
  parent: ResultNode | null;
}

/** Sends the task messages of a workflow (implemented by the app over its producer and backend). */
export interface Publisher {
  /** A new task or group id (a UUID4, as Celery's). */
  newId(): string;
  /** The reply address frozen signatures carry (`options.reply_to`, Celery's `app.thread_oid`). */
  readonly replyTo: string;
  /**
   * Publish one task message. `options` carry everything the message needs: `taskId` (always
   * set), routing, `groupId` / `groupIndex`, `link` / `linkError` (→ `callbacks` / `errbacks`),
   * `chain`, `chord`, `parentId` / `rootId`.
   */
  publishTask(task: string, args: unknown[], kwargs: Record<string, unknown>, options: SignatureOptions): Promise<void>;
  /** Record how many header results a chord waits for, before any header task is sent. */
  setChordSize(groupId: string, size: number): Promise<void>;
}

/** What a signature bound to an app calls (see `Signature.applyAsync` / `Signature.freeze`). */
export interface CanvasApp {
  /** Apply `sig` with partial arguments and options; resolves with the app's result handle. */
  applySignature(sig: AnySignature, args: unknown[], kwargs: Record<string, unknown>, options: SignatureOptions): Promise<unknown>;
  /** Give `sig` (and its parts) their ids without sending anything; returns the app's result handle. */
  freezeSignature(sig: AnySignature): unknown;
}

/**
 * The result handle types the app gives back, filled in by the app layer through declaration
 * merging (`declare module '../canvas/canvas-app.js'`), because canvas cannot import the app's
 * `AsyncResult` / `GroupResult` (a lower layer never imports a higher one). The app adds
 * `task: AsyncResult<R>` and `group: GroupResult<R>`.
 */
export interface CanvasResultHandles<R> {
  /** Carries `R` so every declaration of this interface has a use for it. */
  readonly resultType?: R;
}

/** The handle `applyAsync` gives for a task, chain or chord whose result is `R`. */
export type TaskHandle<R> = CanvasResultHandles<R> extends { task: infer H } ? H : ResultNode;

/** The handle `applyAsync` gives for a group whose members return `R`. */
export type GroupHandle<R> = CanvasResultHandles<R> extends { group: infer H } ? H : ResultNode;
