/**
 * The results of a group's members, read together (Celery's `celery.result.GroupResult`).
 * Every read is a promise, as on {@link AsyncResult}: `await g.get()`, `await g.ready()`.
 */
import type { ResultBackend } from '../backends/backend.js';
import type { RevokeOptions } from '../control/control.js';
import { BackendDisabledError, CeleriacError, ResultTimeoutError } from '../errors.js';
import { AsyncResult, type BackendSource, type GetOptions, type ResultTuple } from './async-result.js';

/** A member of a group: a task's result, or a nested group's. */
export type GroupMember = AsyncResult | GroupResult;

export class GroupResult<R = unknown> {
  /** The step before this group when it comes from a chain (Celery's `parent`). */
  parent: AsyncResult | GroupResult | null = null;

  /**
   * Usually made by `group(...).applyAsync()` or {@link GroupResult.restore}.
   * @param id the group id (the `group` header of every member's message)
   * @param results the members' results, in the group's order
   */
  constructor(
    readonly id: string,
    readonly results: GroupMember[],
    private readonly backendSource: BackendSource,
  ) {}

  /**
   * A group saved with {@link save} (by celeriac or by Python's `GroupResult.save()`), or null
   * when nothing is saved under `id` (Celery's `GroupResult.restore`).
   * @throws BackendDisabledError when the app has no result backend.
   */
  static async restore(
    id: string,
    app: { backend(): Promise<ResultBackend | null>; asyncResult?(id: string): AsyncResult },
  ): Promise<GroupResult | null> {
    const source: BackendSource = () => app.backend();
    const backend = await source();
    if (!backend) throw new BackendDisabledError();
    const saved = await backend.restoreGroup(id);
    if (saved === null) return null;
    // Members made by the app can also be revoked.
    const restored = fromTuple(saved, source, app.asyncResult?.bind(app));
    if (!(restored instanceof GroupResult)) {
      throw new CeleriacError('DECODE_ERROR', `the saved group ${id} is not a group result tuple`);
    }
    return restored;
  }

  /** Number of members. */
  get length(): number {
    return this.results.length;
  }

  /**
   * Wait for every member and return their values in group order (Celery's `get` / `join`).
   * `timeoutMs` bounds the whole wait, not each member.
   * @throws TaskFailedError / TaskRevokedError for the first failed member in group order (unless
   *   `propagate: false`, which returns the stored exceptions in their places).
   * @throws ResultTimeoutError after the timeout.
   */
  async get(options: GetOptions = {}): Promise<R[]> {
    const timeoutMs = options.timeoutMs ?? options.timeout;
    // Every member is waited for at once (one backend round of subscriptions, not one per
    // member), then read in group order, so the first failure in that order is the one thrown.
    const waits = this.results.map((member) => member.get({ ...options, timeoutMs, timeout: undefined }));
    for (const wait of waits) wait.catch(() => undefined); // read below, in order
    const values: unknown[] = [];
    for (const wait of waits) {
      try {
        values.push(await wait);
      } catch (error) {
        if (error instanceof ResultTimeoutError && timeoutMs !== undefined) throw new ResultTimeoutError(this.id, timeoutMs);
        throw error;
      }
    }
    return values as R[];
  }

  /** Same as {@link get} (Celery's `join`). */
  join(options: GetOptions = {}): Promise<R[]> {
    return this.get(options);
  }

  /** True when every member is ready (SUCCESS, FAILURE or REVOKED). */
  async ready(): Promise<boolean> {
    return (await this.each((m) => m.ready())).every(Boolean);
  }

  /** True when every member succeeded. */
  async successful(): Promise<boolean> {
    return (await this.each((m) => m.successful())).every(Boolean);
  }

  /** True when any member failed. */
  async failed(): Promise<boolean> {
    return (await this.each((m) => m.failed())).some(Boolean);
  }

  /** True when any member is not ready yet. */
  async waiting(): Promise<boolean> {
    return !(await this.ready());
  }

  /** How many members succeeded (Celery's `completed_count`). */
  async completedCount(): Promise<number> {
    return (await this.each((m) => m.successful())).filter(Boolean).length;
  }

  /** The members' states in order (nested groups: SUCCESS only when all their members are). */
  async states(): Promise<string[]> {
    return this.each(async (m) => (m instanceof GroupResult ? ((await m.successful()) ? 'SUCCESS' : 'PENDING') : m.state));
  }

  /**
   * Store the group's member ids so {@link GroupResult.restore} can rebuild it later, from any
   * process (Celery's `save`; the Redis key `celery-taskset-meta-<id>` Python reads too).
   * @throws BackendDisabledError when the app has no result backend.
   */
  async save(): Promise<void> {
    const backend = await this.backendSource();
    if (!backend) throw new BackendDisabledError();
    await backend.saveGroup(this.id, this.asTuple());
  }

  /**
   * Revoke every member (Celery's `GroupResult.revoke`): see `app.control.revoke`.
   * @throws CeleriacError `USAGE` for members made without an app; `TRANSPORT_ERROR` when the broker fails.
   */
  async revoke(options: RevokeOptions = {}): Promise<void> {
    await Promise.all(this.results.map((m) => m.revoke(options)));
  }

  /** Delete the saved group and the members' results (Celery's `forget`). */
  async forget(): Promise<void> {
    const backend = await this.backendSource();
    if (!backend) throw new BackendDisabledError();
    await backend.forgetGroup(this.id);
    await Promise.all(this.results.map((m) => m.forget()));
  }

  /** Celery's `as_tuple()`: `[[id, parent], [member tuples]]`. */
  asTuple(): ResultTuple {
    return [[this.id, this.parent ? this.parent.asTuple() : null], this.results.map((m) => m.asTuple())];
  }

  toString(): string {
    return this.id;
  }

  private each<T>(fn: (member: GroupMember) => Promise<T>): Promise<T[]> {
    return Promise.all(this.results.map(fn));
  }
}

/** A task or group result from Celery's tuple form (Celery's `result_from_tuple`). */
export function fromTuple(tuple: unknown, backendSource: BackendSource, taskResult?: (id: string) => AsyncResult): GroupMember {
  if (!Array.isArray(tuple) || tuple.length !== 2 || !Array.isArray(tuple[0])) {
    throw new CeleriacError('DECODE_ERROR', `not a result tuple: ${JSON.stringify(tuple)}`);
  }
  const [[id, parentTuple], members] = tuple as [[unknown, unknown], unknown];
  if (typeof id !== 'string') throw new CeleriacError('DECODE_ERROR', `result tuple without an id: ${JSON.stringify(tuple)}`);
  const result: GroupMember = Array.isArray(members)
    ? new GroupResult(id, members.map((m) => fromTuple(m, backendSource, taskResult)), backendSource)
    : (taskResult?.(id) ?? new AsyncResult(id, backendSource));
  if (parentTuple !== null && parentTuple !== undefined) result.parent = fromTuple(parentTuple, backendSource, taskResult);
  return result;
}
