/**
 * What runs next after a task, from the canvas part of its message (`callbacks`, `errbacks`,
 * `chain`, `chord`) — Celery's tracer and backend (`celery/app/trace.py`,
 * `BaseBackend.mark_as_failure`, `on_chord_part_return`), so workflows sent by Python run on
 * celeriac workers and the reverse:
 *
 * - success: each callback is applied with the return value prepended, then the next chain step
 *   (the last element of `chain`) with the rest of the chain; their results become the stored
 *   result's `children`. Then, for a chord header task, the part is reported to the join; the
 *   reporter that completes it applies the body with the header's results in header order.
 * - failure: the part is reported (the first failure closes the join and fails the body with a
 *   `ChordError` naming this task, running the body's errbacks — never a silent hang); every
 *   remaining chain step is stored as FAILURE (so the chain's handle fails rather than waits)
 *   and reported to its own chord if it is a header part; then the errbacks are applied with
 *   this task's id.
 * - retry: nothing here — a retrying header task does not release its chord.
 */
import type { Celery } from '../app/celery.js';
import type { ChordJoin, ResultBackend } from '../backends/backend.js';
import type { ResultNode } from '../canvas/canvas-app.js';
import { applySignature } from '../canvas/canvas-planner.js';
import { signatureFromDict, signaturesFromDicts } from '../canvas/signature-codec.js';
import { Chain, Chord, Group, type AnySignature } from '../canvas/signature.js';
import type { Logger } from '../internal/logger.js';
import { formatDateDone } from '../protocol/celery-date.js';
import { pythonRepr } from '../protocol/python-repr.js';
import type { SerializedException } from '../protocol/result-meta.js';
import type { SignatureDict } from '../protocol/signature-dict.js';
import type { TaskEmbed, TaskMessage } from '../protocol/task-message.js';
import { PROPAGATE_STATES, type TaskState } from '../protocol/task-state.js';

/** A chord header part: the task's own message, or a chain step that will never run. */
interface PartOf {
  taskId: string;
  groupId: string;
  groupIndex: number | null;
  rootId: string;
  chord: SignatureDict | AnySignature;
}

/** True when a successful task has callbacks or chain steps to apply. */
export function hasNextSteps(embed: TaskEmbed): boolean {
  return (embed.callbacks !== null && embed.callbacks.length > 0) || (embed.chain !== null && embed.chain.length > 0);
}

/** True when a failed task has a chord, chain steps or errbacks to tell. */
export function hasFailureSteps(embed: TaskEmbed): boolean {
  return embed.chord !== null || (embed.errbacks !== null && embed.errbacks.length > 0) || (embed.chain !== null && embed.chain.length > 0);
}

export class CanvasSteps {
  constructor(
    private readonly app: Celery,
    private readonly backend: ResultBackend | null,
    private readonly log: Logger,
  ) {}

  /**
   * Apply callbacks and the next chain step with `retval`.
   * @returns the stored result's `children` (Celery's result tuples of what was applied).
   * @throws what publishing threw — the task then fails, as in Celery.
   */
  async afterSuccess(m: TaskMessage, retval: unknown): Promise<unknown[]> {
    const canvas = this.app.canvas;
    const options = { parentId: m.id, rootId: m.rootId };
    const children: unknown[] = [];
    for (const callback of signaturesFromDicts(m.embed.callbacks ?? [], canvas)) {
      children.push(this.tuple(await applySignature(callback, [retval], {}, options, canvas)));
    }
    const steps = signaturesFromDicts(m.embed.chain ?? [], canvas);
    const next = steps.pop();
    if (next !== undefined) children.push(this.tuple(await applySignature(next, [retval], {}, { ...options, chain: steps }, canvas)));
    return children;
  }

  /** Report a SUCCESS / FAILURE / REVOKED header part of a chord; errors are logged. */
  async chordPart(m: TaskMessage, state: TaskState, result: unknown): Promise<void> {
    if (m.embed.chord === null || m.group === null) return;
    await this.reportPart({ taskId: m.id, groupId: m.group, groupIndex: m.groupIndex, rootId: m.rootId, chord: m.embed.chord }, state, result);
  }

  /** After FAILURE is stored: the chord part, the chain steps that will never run, the errbacks. Errors are logged. */
  async afterFailure(m: TaskMessage, exc: SerializedException, traceback: string | null): Promise<void> {
    await this.chordPart(m, 'FAILURE', exc);
    const canvas = this.app.canvas;
    try {
      for (const step of signaturesFromDicts(m.embed.chain ?? [], canvas)) {
        await this.storeFailure(taskIdsOf(step), exc, traceback);
        const o = step.options;
        if (o.chord !== undefined && o.groupId !== undefined && o.taskId !== undefined) {
          const part = { taskId: o.taskId, groupId: o.groupId, groupIndex: o.groupIndex ?? null, rootId: m.rootId, chord: o.chord };
          await this.reportPart(part, 'FAILURE', exc);
        }
      }
      await this.applyErrbacks(signaturesFromDicts(m.embed.errbacks ?? [], canvas), m.id, m.rootId);
    } catch (err) {
      this.log.error({ err }, `Task ${m.task}[${m.id}]: could not propagate its failure to the rest of its workflow`);
    }
  }

  private async reportPart(part: PartOf, state: TaskState, result: unknown): Promise<void> {
    const backend = this.backend;
    if (backend === null) {
      this.log.error(`chord ${part.groupId}: no result backend to join it; its body will not run`);
      return;
    }
    try {
      const join = await backend.chordPartReturn({ groupId: part.groupId, taskId: part.taskId, groupIndex: part.groupIndex, state, result });
      await this.onJoin(join, part, state, result);
    } catch (err) {
      this.log.error({ err }, `chord ${part.groupId}: reporting part ${part.taskId} failed`);
    }
  }

  private async onJoin(join: ChordJoin, part: PartOf, state: TaskState, result: unknown): Promise<void> {
    if (join.kind === 'pending' || join.kind === 'closed') return;
    const canvas = this.app.canvas;
    const body = signatureFromDict(part.chord, canvas);
    if (join.kind === 'failed') {
      await this.failBody(body, part, chordError(part.taskId, state, result));
      return;
    }
    const failedPart = join.parts.find((p) => PROPAGATE_STATES.has(p.state));
    if (failedPart !== undefined) {
      await this.failBody(body, part, chordError(failedPart.taskId, failedPart.state, failedPart.result));
      return;
    }
    try {
      await applySignature(body, [join.parts.map((p) => p.result)], {}, { parentId: part.taskId, rootId: part.rootId }, canvas);
    } catch (err) {
      this.log.error({ err }, `chord ${part.groupId}: applying the body failed`);
      const exc: SerializedException = { exc_type: 'ChordError', exc_message: [`Callback error: ${describe(err)}`], exc_module: 'celery.exceptions' };
      await this.failBody(body, part, exc);
    }
  }

  /** Celery's `chord_error_from_stack`: the body's results fail with `exc`, then its errbacks run. */
  private async failBody(body: AnySignature, part: PartOf, exc: SerializedException): Promise<void> {
    const ids = taskIdsOf(body);
    this.log.error(`chord ${part.groupId} failed: ${String(exc.exc_message[0])}`);
    await this.storeFailure(ids, exc, null);
    const failedId = ids[0] ?? part.groupId;
    await this.applyErrbacks(errbacksOf(body), failedId, part.rootId);
  }

  private async applyErrbacks(errbacks: AnySignature[], failedId: string, rootId: string): Promise<void> {
    for (const errback of errbacks) {
      await applySignature(errback, [failedId], {}, { parentId: failedId, rootId }, this.app.canvas);
    }
  }

  private async storeFailure(taskIds: string[], exc: SerializedException, traceback: string | null): Promise<void> {
    const backend = this.backend;
    if (backend === null) return;
    const dateDone = formatDateDone(this.app.clock.now());
    await Promise.all(
      taskIds.map((taskId) => backend.storeResult({ taskId, status: 'FAILURE', result: exc, traceback, children: [], dateDone })),
    );
  }

  private tuple(node: ResultNode): unknown {
    return this.app.canvas.handle(node).asTuple();
  }
}

/** Every task id a (frozen) signature will produce results under. */
function taskIdsOf(sig: AnySignature): string[] {
  if (sig instanceof Chain) return sig.tasks.flatMap(taskIdsOf);
  if (sig instanceof Group) return sig.tasks.flatMap(taskIdsOf);
  if (sig instanceof Chord) return taskIdsOf(sig.body);
  return sig.options.taskId === undefined ? [] : [sig.options.taskId];
}

/** The errbacks that fire when `sig` fails before it could run. */
function errbacksOf(sig: AnySignature): AnySignature[] {
  if (sig instanceof Chain) return sig.tasks[0] === undefined ? listOf(sig.options.linkError) : [...listOf(sig.options.linkError), ...errbacksOf(sig.tasks[0])];
  if (sig instanceof Group) return sig.tasks.flatMap(errbacksOf);
  if (sig instanceof Chord) return errbacksOf(sig.body);
  return listOf(sig.options.linkError);
}

function listOf(value: AnySignature | AnySignature[] | undefined): AnySignature[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Celery's `ChordError('Dependency <id> raised <repr>')`, serialized. */
function chordError(taskId: string, state: TaskState, result: unknown): SerializedException {
  return { exc_type: 'ChordError', exc_message: [`Dependency ${taskId} raised ${reprOf(state, result)}`], exc_module: 'celery.exceptions' };
}

function reprOf(state: TaskState, result: unknown): string {
  const exc = result as Partial<SerializedException> | null;
  if (exc && typeof exc.exc_type === 'string') {
    const args = Array.isArray(exc.exc_message) ? exc.exc_message : [exc.exc_message];
    return `${exc.exc_type}(${args.map((a) => pythonRepr(a)).join(', ')})`;
  }
  return `${state}(${pythonRepr(result)})`;
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}(${pythonRepr(err.message)})` : pythonRepr(err);
}
