/**
 * A registered task: its function, its declared options (base chain + own, checked when
 * `app.task()` runs) and, on first use, its effective options with `task_annotations` applied —
 * Celery annotates a task class once, when it is first bound to the app, so settings changed
 * after that first use do not reach it.
 */
import type { Celery } from './celery.js';
import { createContextPrototype } from './task-context.js';
import { annotationsFor, applyAnnotations, mergeDeclaredOptions, TASK_HOOK_NAMES } from './task-options-resolver.js';
import type { RegisteredTask, TaskHooks, TaskOptions } from './task-types.js';

/** What the worker needs of a task, computed once. */
export interface ResolvedTask {
  readonly options: Readonly<TaskOptions>;
  /** The handlers the task has, or null when it has none (the common, fast case). */
  readonly hooks: Readonly<TaskHooks> | null;
  /** The prototype of the task's contexts (see `task-context.ts`). */
  readonly contextPrototype: object;
}

export class TaskDefinition implements RegisteredTask {
  readonly name: string;
  /** Base chain and own options, merged and checked. */
  readonly declared: Readonly<TaskOptions>;
  private resolved: ResolvedTask | undefined;

  /** @throws CeleriacError('CONFIG_INVALID') for a bad option value. */
  constructor(
    private readonly app: Celery,
    own: TaskOptions,
    readonly fn: (...args: never[]) => unknown,
  ) {
    this.name = own.name;
    this.declared = Object.freeze(mergeDeclaredOptions(own));
  }

  /** Effective options (annotations applied on first read). */
  get options(): Readonly<TaskOptions> {
    return this.resolve().options;
  }

  /**
   * Effective options, handlers and context prototype, computed on first call.
   * @throws CeleriacError('CONFIG_INVALID') when an annotation sets a bad value.
   */
  resolve(): ResolvedTask {
    if (this.resolved) return this.resolved;
    const attrs = annotationsFor(this.name, this.app.conf.taskAnnotations);
    const options = Object.freeze(applyAnnotations(this.declared, attrs, (message) => this.app.log.warn(message)));
    let hooks: TaskHooks | null = null;
    for (const hook of TASK_HOOK_NAMES) {
      const fn = options[hook];
      if (fn) (hooks ??= {})[hook] = fn as never;
    }
    this.resolved = {
      options,
      hooks: hooks && Object.freeze(hooks),
      contextPrototype: createContextPrototype(this.app, this.name, options),
    };
    return this.resolved;
  }
}

const handMade = new WeakMap<RegisteredTask, ResolvedTask>();

/**
 * The resolved form of a registry entry. Entries `app.task()` makes are {@link TaskDefinition}s;
 * one put in `app.tasks` by hand is taken with its options as they are.
 */
export function resolveTask(task: RegisteredTask, app: Celery): ResolvedTask {
  if (task instanceof TaskDefinition) return task.resolve();
  let resolved = handMade.get(task);
  if (!resolved) {
    resolved = { options: task.options, hooks: null, contextPrototype: createContextPrototype(app, task.name, task.options) };
    handMade.set(task, resolved);
  }
  return resolved;
}
