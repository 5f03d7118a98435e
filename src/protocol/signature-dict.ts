/**
 * The dict form of a Celery signature, as Celery serialises it (celery/canvas.py `Signature`):
 * `{task, args, kwargs, options, subtask_type, immutable}` (+ `chord_size` on newer Celery).
 * Chains, groups and chords are signatures too (`subtask_type` `chain` / `group` / `chord`, task
 * `celery.chain` / `celery.group` / `celery.chord`) that keep their parts under `kwargs.tasks`,
 * `kwargs.header` and `kwargs.body` (`canvas-signatures.json` in the captures).
 */
export interface SignatureDict {
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  options: Record<string, unknown>;
  subtask_type: string | null;
  immutable: boolean;
  chord_size?: number | null;
  [extra: string]: unknown;
}

/**
 * Celery's `apply_async` option names found in `SignatureDict.options`, by their camelCase name.
 * Names not listed here travel unchanged (snake_case stays on the wire side of the codec).
 */
export const SIGNATURE_OPTION_WIRE_NAMES = {
  taskId: 'task_id',
  countdown: 'countdown',
  eta: 'eta',
  expires: 'expires',
  queue: 'queue',
  exchange: 'exchange',
  routingKey: 'routing_key',
  priority: 'priority',
  headers: 'headers',
  ignoreResult: 'ignore_result',
  serializer: 'serializer',
  compression: 'compression',
  shadow: 'shadow',
  timeLimit: 'time_limit',
  softTimeLimit: 'soft_time_limit',
  parentId: 'parent_id',
  rootId: 'root_id',
  groupId: 'group_id',
  groupIndex: 'group_index',
  replyTo: 'reply_to',
  link: 'link',
  linkError: 'link_error',
  chord: 'chord',
  chain: 'chain',
} as const;

export type SignatureOptionName = keyof typeof SIGNATURE_OPTION_WIRE_NAMES;

const CAMEL_OF_WIRE: ReadonlyMap<string, SignatureOptionName> = new Map(
  Object.entries(SIGNATURE_OPTION_WIRE_NAMES).map(([camel, wire]) => [wire, camel as SignatureOptionName]),
);

/** The camelCase name of a wire option, or undefined for a name celeriac does not model. */
export function signatureOptionName(wireName: string): SignatureOptionName | undefined {
  return CAMEL_OF_WIRE.get(wireName);
}

/** True for a value shaped like a {@link SignatureDict} (a `task` name and an `options` object at least). */
export function isSignatureDict(value: unknown): value is SignatureDict {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return typeof v.task === 'string';
}
