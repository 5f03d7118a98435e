/**
 * Task messages ↔ transport messages: Celery's protocol v2 (celery/app/amqp.py `as_task_v2`,
 * celery-protocol.md §1) on the way out; v2 and legacy v1 (§1.7) on the way in, read the way
 * Celery's worker reads them (celery/worker/request.py, celery/worker/strategy.py).
 */
import { DecodeError } from '../errors.js';
import { compress, decompress } from './compression.js';
import { argsRepr, kwargsRepr } from './python-repr.js';
import { assertAccepted, defaultSerializers, type SerializerRegistry } from './serializers.js';
import type { SignatureDict } from './signature-dict.js';
import type { TaskEmbed, TaskMessage } from './task-message.js';
import type { TransportMessage, WireProperties } from './transport-message.js';

// The producer imports the header helpers from here, beside the codec that writes them.
export { formatDateDone, formatEtaHeader, parseCeleryDate } from './celery-date.js';
export { originNodename } from './origin-nodename.js';

export interface EncodeTaskOptions {
  /**
   * kombu serializer name (`task_serializer`); default: the one registered for
   * `msg.contentType`, else `json`.
   */
  serializer?: string;
  /** `gzip`, `zlib` or `brotli` (Celery's `compression=`); default none. */
  compression?: string;
  /** Where serializer names are looked up; default the built-in registry (json, msgpack). */
  serializers?: SerializerRegistry;
}

export interface DecodeTaskOptions {
  /** Celery's `accept_content`: serializer names or content types, e.g. `['json']`. */
  accept: readonly string[];
  /** Codecs by content type; default the built-in registry (json, msgpack). */
  serializers?: SerializerRegistry;
}

/** Headers that map to TaskMessage fields (and `compression`, which describes the body). */
const STANDARD_HEADERS: ReadonlySet<string> = new Set([
  'lang',
  'task',
  'id',
  'shadow',
  'eta',
  'expires',
  'group',
  'group_index',
  'retries',
  'timelimit',
  'root_id',
  'parent_id',
  'argsrepr',
  'kwargsrepr',
  'origin',
  'ignore_result',
  'compression',
]);

const STANDARD_PROPERTIES: ReadonlySet<string> = new Set(['correlation_id', 'reply_to', 'delivery_mode', 'priority']);

/** v1 body fields that map to TaskMessage fields; the rest become extra headers (e.g. `utc`). */
const V1_FIELDS: ReadonlySet<string> = new Set([
  'task',
  'id',
  'args',
  'kwargs',
  'group',
  'group_index',
  'retries',
  'eta',
  'expires',
  'callbacks',
  'errbacks',
  'timelimit',
  'taskset',
  'chord',
]);

/**
 * Build the transport message Celery's `apply_async` would publish for `msg`: headers in Celery's
 * order (`lang` … `ignore_result`), then `extraHeaders` merged over them as Python's
 * `dict.update` does, then `compression` when compressing; properties `correlation_id`,
 * `reply_to` (left out when null), `extraProperties`, `delivery_mode: 2`, `expiration` (when in
 * `extraProperties`), `priority` (left out when null); body `[args, kwargs, embed]` with all four
 * embed keys. `lang` is always `'py'`: Celery's worker ignores it, and peers that do branch on it
 * (kombu-based tools) then treat the message exactly like one sent from Python.
 * @throws EncodeError when the serializer or compression is unknown or a value cannot be encoded.
 * @example encodeTaskMessage(msg, { serializer: 'json' }).headers.argsrepr // '(2, 3)'
 */
export function encodeTaskMessage(msg: TaskMessage, options: EncodeTaskOptions = {}): TransportMessage {
  const registry = options.serializers ?? defaultSerializers;
  const serializer =
    options.serializer === undefined
      ? (registry.forContentType(msg.contentType) ?? registry.get('json'))
      : registry.get(options.serializer);

  const headers: Record<string, unknown> = {
    lang: 'py',
    task: msg.task,
    id: msg.id,
    shadow: msg.shadow,
    eta: msg.eta,
    expires: msg.expires,
    group: msg.group,
    group_index: msg.groupIndex,
    retries: msg.retries,
    timelimit: msg.timelimit,
    root_id: msg.rootId,
    parent_id: msg.parentId,
    argsrepr: msg.argsrepr,
    kwargsrepr: msg.kwargsrepr,
    origin: msg.origin,
    ignore_result: msg.ignoreResult,
  };
  const extraHeaders = msg.extraHeaders;
  for (const key in extraHeaders) {
    if (key !== 'compression') headers[key] = extraHeaders[key];
  }

  const { embed } = msg;
  let body = serializer.encode([
    msg.args,
    msg.kwargs,
    { callbacks: embed.callbacks, errbacks: embed.errbacks, chain: embed.chain, chord: embed.chord },
  ]);
  if (options.compression !== undefined) {
    const compressed = compress(body, options.compression);
    body = compressed.body;
    headers.compression = compressed.compression;
  }

  // Key order as kombu leaves it: Celery's own, leaked options, then what kombu adds.
  const properties: WireProperties = { correlation_id: msg.correlationId };
  if (msg.replyTo !== null) properties.reply_to = msg.replyTo;
  let expiration: unknown;
  const extraProperties = msg.extraProperties;
  if (extraProperties !== undefined) {
    for (const key in extraProperties) {
      if (key === 'expiration') expiration = extraProperties[key];
      else properties[key] = extraProperties[key];
    }
  }
  properties.delivery_mode = 2;
  if (typeof expiration === 'string') properties.expiration = expiration;
  else if (typeof expiration === 'number') properties.expiration = String(expiration);
  if (msg.priority !== null) properties.priority = msg.priority;

  return {
    body,
    contentType: serializer.contentType,
    contentEncoding: serializer.contentEncoding,
    headers,
    properties,
  };
}

/**
 * Read a task message as Celery's worker does: check `accept` (before decompressing, so refused
 * content is never inflated), undo `compression`, deserialize, then map protocol v2 (headers +
 * `[args, kwargs, embed]`) — or v1 (no `task` header; everything in a body dict) — to a
 * {@link TaskMessage}. Missing optional headers take Celery's defaults (`retries` 0, `timelimit`
 * `[null, null]`, `root_id` = id, embed all null); unknown headers land in `extraHeaders`,
 * unknown properties in `extraProperties`.
 * @throws ContentDisallowedError when `accept` refuses the content type (Celery: reject).
 * @throws DecodeError with a one-line reason for anything else wrong (Celery: drop).
 */
export function decodeTaskMessage(msg: TransportMessage, options: DecodeTaskOptions): TaskMessage {
  const registry = options.serializers ?? defaultSerializers;
  const contentType = msg.contentType === '' ? 'application/data' : msg.contentType;
  assertAccepted(contentType, options.accept, registry);
  const headers = isObject(msg.headers) ? msg.headers : {};
  const compression = headers.compression;
  let body = msg.body;
  if (compression !== undefined && compression !== null) {
    if (typeof compression !== 'string') throw wrongType('header', 'compression', 'a string', compression);
    body = decompress(body, compression);
  }
  const payload = registry.decode(body, contentType);

  if (headers.task === undefined) {
    if (isObject(payload) && 'task' in payload) return fromProtocolV1(payload, msg, headers);
    throw new DecodeError("missing header 'task' (and the body is not a protocol v1 task dict)");
  }
  const task = requireString(headers, 'task', 'header');
  const id = requireString(headers, 'id', 'header');

  if (!Array.isArray(payload) || payload.length < 2 || payload.length > 3) {
    throw new DecodeError('body is not a 3-element array [args, kwargs, embed]');
  }
  const args: unknown = payload[0];
  const kwargs: unknown = payload[1];
  if (!Array.isArray(args)) throw new DecodeError(`body[0] (args) is not an array, got ${typeName(args)}`);
  if (!isObject(kwargs)) throw new DecodeError(`body[1] (kwargs) is not an object, got ${typeName(kwargs)}`);

  const extraHeaders: Record<string, unknown> = {};
  for (const key in headers) {
    if (!STANDARD_HEADERS.has(key)) extraHeaders[key] = headers[key];
  }
  const props: Record<string, unknown> = isObject(msg.properties) ? msg.properties : {};

  // Every field spelled out (no spread of a helper's object): this runs once per task.
  return {
    id,
    task,
    args,
    kwargs,
    embed: decodeEmbed(payload[2]),
    shadow: optionalString(headers, 'shadow', 'header'),
    eta: optionalString(headers, 'eta', 'header'),
    expires: optionalString(headers, 'expires', 'header'),
    group: optionalString(headers, 'group', 'header'),
    groupIndex: optionalNumber(headers, 'group_index', 'header'),
    retries: optionalNumber(headers, 'retries', 'header') ?? 0,
    timelimit: decodeTimelimit(headers, 'header'),
    rootId: optionalString(headers, 'root_id', 'header') ?? id,
    parentId: optionalString(headers, 'parent_id', 'header'),
    argsrepr: optionalString(headers, 'argsrepr', 'header') ?? '',
    kwargsrepr: optionalString(headers, 'kwargsrepr', 'header') ?? '',
    origin: optionalString(headers, 'origin', 'header') ?? '',
    ignoreResult: optionalBoolean(headers, 'ignore_result', 'header') ?? false,
    extraHeaders,
    correlationId: correlationIdOf(props, id),
    replyTo: replyToOf(props),
    priority: priorityOf(props),
    extraProperties: extraPropertiesOf(props),
    contentType: msg.contentType,
  };
}

/** Protocol v1 → TaskMessage, as Celery's `proto1_to_proto2` does (group = taskset, no chain). */
function fromProtocolV1(
  body: Record<string, unknown>,
  msg: TransportMessage,
  headers: Record<string, unknown>,
): TaskMessage {
  const task = requireString(body, 'task', 'v1 body field');
  const id = requireString(body, 'id', 'v1 body field');
  const args = body.args ?? [];
  const kwargs = body.kwargs ?? {};
  if (!Array.isArray(args)) throw wrongType('v1 body field', 'args', 'an array', args);
  if (!isObject(kwargs)) throw wrongType('v1 body field', 'kwargs', 'an object', kwargs);
  const extraHeaders: Record<string, unknown> = {};
  for (const key in headers) {
    if (!STANDARD_HEADERS.has(key)) extraHeaders[key] = headers[key];
  }
  for (const key in body) {
    if (!V1_FIELDS.has(key)) extraHeaders[key] = body[key];
  }
  const groupKey = 'taskset' in body ? 'taskset' : 'group';
  return {
    id,
    task,
    args,
    kwargs,
    embed: decodeEmbed({ callbacks: body.callbacks, errbacks: body.errbacks, chain: null, chord: body.chord }),
    shadow: null,
    eta: optionalString(body, 'eta', 'v1 body field'),
    expires: optionalString(body, 'expires', 'v1 body field'),
    group: optionalString(body, groupKey, 'v1 body field'),
    groupIndex: optionalNumber(body, 'group_index', 'v1 body field'),
    retries: optionalNumber(body, 'retries', 'v1 body field') ?? 0,
    timelimit: decodeTimelimit(body, 'v1 body field'),
    rootId: id,
    parentId: null,
    argsrepr: argsRepr(args),
    kwargsrepr: kwargsRepr(kwargs),
    origin: '',
    ignoreResult: false,
    extraHeaders,
    ...decodeProperties(msg.properties, id),
    contentType: msg.contentType,
  };
}

function decodeProperties(
  properties: WireProperties | undefined,
  id: string,
): Pick<TaskMessage, 'correlationId' | 'replyTo' | 'priority' | 'extraProperties'> {
  const props: Record<string, unknown> = isObject(properties) ? properties : {};
  return { correlationId: correlationIdOf(props, id), replyTo: replyToOf(props), priority: priorityOf(props), extraProperties: extraPropertiesOf(props) };
}

function correlationIdOf(props: Record<string, unknown>, id: string): string {
  const value = props.correlation_id;
  return typeof value === 'string' ? value : id;
}

function replyToOf(props: Record<string, unknown>): string | null {
  const value = props.reply_to;
  return typeof value === 'string' ? value : null;
}

function priorityOf(props: Record<string, unknown>): number | null {
  const value = props.priority;
  return typeof value === 'number' ? value : null;
}

/** Properties that map to no TaskMessage field. */
function extraPropertiesOf(props: Record<string, unknown>): Record<string, unknown> {
  const extraProperties: Record<string, unknown> = {};
  for (const key in props) {
    if (!STANDARD_PROPERTIES.has(key)) extraProperties[key] = props[key];
  }
  return extraProperties;
}

function decodeEmbed(raw: unknown): TaskEmbed {
  if (raw === undefined || raw === null) return { callbacks: null, errbacks: null, chain: null, chord: null };
  if (!isObject(raw)) throw new DecodeError(`body[2] (embed) is not an object or null, got ${typeName(raw)}`);
  return {
    callbacks: signatureList(raw, 'callbacks'),
    errbacks: signatureList(raw, 'errbacks'),
    chain: signatureList(raw, 'chain'),
    chord: signatureOrNull(raw, 'chord'),
  };
}

function signatureList(embed: Record<string, unknown>, key: string): SignatureDict[] | null {
  const value = embed[key];
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) throw wrongType('embed', key, 'a list of signatures or null', value);
  return value as SignatureDict[];
}

function signatureOrNull(embed: Record<string, unknown>, key: string): SignatureDict | null {
  const value = embed[key];
  if (value === undefined || value === null) return null;
  if (!isObject(value)) throw wrongType('embed', key, 'a signature dict or null', value);
  return value as SignatureDict;
}

function decodeTimelimit(src: Record<string, unknown>, where: string): [number | null, number | null] {
  const value = src.timelimit;
  if (value === undefined || value === null) return [null, null];
  if (Array.isArray(value) && value.length === 2) {
    const hard: unknown = value[0];
    const soft: unknown = value[1];
    if ((hard === null || typeof hard === 'number') && (soft === null || typeof soft === 'number')) {
      return [hard, soft];
    }
  }
  throw wrongType(where, 'timelimit', '[hard, soft] (numbers or null)', value);
}

function requireString(src: Record<string, unknown>, key: string, where: string): string {
  const value = src[key];
  if (typeof value === 'string') return value;
  if (value === undefined) throw new DecodeError(`missing ${where} '${key}'`);
  throw wrongType(where, key, 'a string', value);
}

function optionalString(src: Record<string, unknown>, key: string, where: string): string | null {
  const value = src[key];
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  throw wrongType(where, key, 'a string or null', value);
}

function optionalNumber(src: Record<string, unknown>, key: string, where: string): number | null {
  const value = src[key];
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return value;
  throw wrongType(where, key, 'a number or null', value);
}

function optionalBoolean(src: Record<string, unknown>, key: string, where: string): boolean | null {
  const value = src[key];
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value;
  throw wrongType(where, key, 'a boolean', value);
}

function wrongType(where: string, key: string, expected: string, value: unknown): DecodeError {
  return new DecodeError(`${where} '${key}' must be ${expected}, got ${typeName(value)}`);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
