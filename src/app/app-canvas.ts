/**
 * The app's side of canvas (DESIGN.md: canvas declares the ports, the app implements them):
 * publishes a workflow's task messages through the app's producer, records chord sizes in the
 * result backend, and turns the planner's result trees into {@link AsyncResult} /
 * {@link GroupResult} handles with their `parent` links.
 */
import { randomUUID } from 'node:crypto';
import type { CanvasApp, Publisher, ResultNode } from '../canvas/canvas-app.js';
import { applySignature, freezeSignature } from '../canvas/canvas-planner.js';
import type { AnySignature, SignatureOptions } from '../canvas/signature.js';
import { BackendDisabledError } from '../errors.js';
import { parseCeleryDate } from '../protocol/celery-date.js';
import type { ApplyOptions } from './apply-options.js';
import { withCurrentTask } from './current-task.js';
import { AsyncResult } from './async-result.js';
import type { Celery } from './celery.js';
import { GroupResult } from './group-result.js';

declare module '../canvas/canvas-app.js' {
  // Fills in the handle types canvas cannot name (see CanvasResultHandles).
  interface CanvasResultHandles<R> {
    task: AsyncResult<R>;
    group: GroupResult<R>;
  }
}

export class AppCanvas implements Publisher, CanvasApp {
  constructor(private readonly app: Celery) {}

  newId(): string {
    return randomUUID();
  }

  get replyTo(): string {
    return this.app.oid;
  }

  async publishTask(task: string, args: unknown[], kwargs: Record<string, unknown>, options: SignatureOptions): Promise<void> {
    await this.app.sendTask(task, args, kwargs, toApplyOptions(options));
  }

  async setChordSize(groupId: string, size: number): Promise<void> {
    const backend = await this.app.backend();
    // Celery refuses chords without a backend able to join them (`ensure_chords_allowed`).
    if (!backend) throw new BackendDisabledError();
    await backend.setChordSize(groupId, size);
  }

  async applySignature(sig: AnySignature, args: unknown[], kwargs: Record<string, unknown>, options: SignatureOptions): Promise<unknown> {
    // A chord awaits its backend before it sends: the sending task must still be known then.
    return this.handle(await withCurrentTask(() => applySignature(sig, args, kwargs, options, this)));
  }

  freezeSignature(sig: AnySignature): unknown {
    return this.handle(freezeSignature(sig, {}, this));
  }

  /** The app's handle for a result tree. */
  handle(node: ResultNode): AsyncResult | GroupResult {
    const source = () => this.app.backend();
    const result: AsyncResult | GroupResult =
      node.kind === 'group'
        ? new GroupResult(node.id, node.results.map((r) => this.handle(r)), source)
        : new AsyncResult(node.id, source, () => this.app.control);
    if (node.parent !== null) result.parent = this.handle(node.parent);
    return result;
  }
}

/** Signature options → the producer's options (dates given as text, as Python sends them, parsed). */
export function toApplyOptions(o: SignatureOptions): ApplyOptions {
  // `extra` stays behind: it only travels inside signatures.
  const { eta, expires, parentId, rootId, extra: _extra, ...calling } = o;
  return {
    ...calling,
    eta: asDate(eta),
    expires: typeof expires === 'number' ? expires : asDate(expires),
    parentId: parentId ?? undefined,
    rootId: rootId ?? undefined,
  };
}

function asDate(value: Date | string | undefined): Date | undefined {
  if (value === undefined || value instanceof Date) return value;
  return new Date(parseCeleryDate(value));
}
