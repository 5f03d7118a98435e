/**
 * The Redis key names of Celery's key/value result backends (celery-protocol.md §6.1;
 * `KeyValueStoreBackend.task_keyprefix` / `group_keyprefix`). Each value is also published on a
 * channel of the same name, so one name serves as key and channel.
 */

/** Celery's prefix of a task result key: `celery-task-meta-<task_id>`. */
export const TASK_KEY_PREFIX = 'celery-task-meta-';
/** Celery's prefix of a group result key: `celery-taskset-meta-<group_id>` (and chord `.j/.t/.s`). */
export const GROUP_KEY_PREFIX = 'celery-taskset-meta-';

/** Characters that already end a prefix, so no `_` is added after them (Celery 5.3+). */
const PREFIX_SEPARATORS = ':_-.';

/**
 * Key names under an optional global key prefix.
 *
 * `globalKeyprefix` mirrors `result_backend_transport_options={'global_keyprefix': ...}` as
 * Celery 5.3+ applies it: the prefix goes before every key, followed by `_` unless it already ends
 * in one of `: _ - .`. (Celery 5.2 ignores the option: use it only with Python clients that
 * honour it too.)
 *
 * @example
 * const keys = new ResultKeys('tenant-a:');
 * keys.task('c0a2') // → 'tenant-a:celery-task-meta-c0a2'
 */
export class ResultKeys {
  /** Prefix of every task result key (and its channel). */
  readonly taskPrefix: string;
  /** Prefix of every group result key. */
  readonly groupPrefix: string;

  constructor(globalKeyprefix = '') {
    const global =
      globalKeyprefix === '' || PREFIX_SEPARATORS.includes(globalKeyprefix.slice(-1))
        ? globalKeyprefix
        : `${globalKeyprefix}_`;
    this.taskPrefix = global + TASK_KEY_PREFIX;
    this.groupPrefix = global + GROUP_KEY_PREFIX;
  }

  /** Key (and pub/sub channel) of a task's result. */
  task(taskId: string): string {
    return this.taskPrefix + taskId;
  }

  /**
   * Key of a group's result, or of its chord bookkeeping with `suffix` (`.j` member results,
   * `.t` added-task counter, `.s` chord size — Celery's `get_key_for_group(gid, suffix)`).
   */
  group(groupId: string, suffix: '' | '.j' | '.t' | '.s' = ''): string {
    return this.groupPrefix + groupId + suffix;
  }

  /** The task id a result channel (or key) names, or undefined for another name. */
  taskIdOf(channel: string): string | undefined {
    return channel.startsWith(this.taskPrefix) ? channel.slice(this.taskPrefix.length) : undefined;
  }
}
