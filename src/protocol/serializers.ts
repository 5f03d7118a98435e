/**
 * Body serializers by kombu name (`kombu/serialization.py` registry): each has the content type
 * and content encoding kombu writes, so a Python peer picks the same decoder. `json` and `msgpack`
 * ship; another format is one {@link Serializer} object passed to {@link SerializerRegistry.register}
 * (yaml: `application/x-yaml` / `utf-8`).
 */
import { CeleriacError, ContentDisallowedError, DecodeError, EncodeError } from '../errors.js';
import { decodeJson, encodeJson } from './celery-json.js';
import { msgpackSerializer } from './msgpack-serializer.js';

export interface Serializer {
  /** kombu's name, as in `task_serializer` / `accept_content` (`json`, `msgpack`...). */
  readonly name: string;
  readonly contentType: string;
  readonly contentEncoding: string;
  /** @throws EncodeError when the value cannot be represented. */
  encode(value: unknown): Buffer;
  /** @throws DecodeError when the bytes are not valid for this format. */
  decode(body: Buffer): unknown;
}

/** kombu's JSON serializer (`application/json`, `utf-8`), with kombu 5.2's conventions. */
export const jsonSerializer: Serializer = Object.freeze({
  name: 'json',
  contentType: 'application/json',
  contentEncoding: 'utf-8',
  encode: (value: unknown): Buffer => Buffer.from(encodeJson(value), 'utf8'),
  decode: (body: Buffer): unknown => decodeJson(body),
});

/**
 * Content types of the serializers kombu/Celery know by name, whether or not a codec is
 * registered here — so `accept_content: ['msgpack']` means `application/x-msgpack` and a message
 * of that type is refused or reported as undecodable for the right reason.
 */
export const KNOWN_CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  json: 'application/json',
  msgpack: 'application/x-msgpack',
  yaml: 'application/x-yaml',
  pickle: 'application/x-python-serialize',
  auth: 'application/data',
});

/**
 * Content types kombu never refuses whatever `accept_content` says (`TRUSTED_CONTENT`): raw
 * data with no decoder. (They still fail to decode here: a task body must be structured.)
 */
const TRUSTED_CONTENT_TYPES: ReadonlySet<string> = new Set(['application/data', 'application/text']);

/** Serializers by name and by content type; one per app, so apps can differ. */
export class SerializerRegistry {
  readonly #byName = new Map<string, Serializer>();
  readonly #byType = new Map<string, Serializer>();
  #sealed = false;

  /**
   * Add (or replace) a serializer; returns the registry for chaining.
   * @throws CeleriacError (code USAGE) on a sealed registry.
   */
  register(serializer: Serializer): this {
    if (this.#sealed) {
      throw new CeleriacError('USAGE', `cannot register '${serializer.name}': this serializer registry is sealed`);
    }
    this.#byName.set(serializer.name, serializer);
    this.#byType.set(serializer.contentType, serializer);
    return this;
  }

  /**
   * The serializer registered under `name`.
   * @throws EncodeError naming the registered serializers when there is none.
   */
  get(name: string): Serializer {
    const found = this.#byName.get(name);
    if (found === undefined) {
      const known = Object.hasOwn(KNOWN_CONTENT_TYPES, name) ? ` (kombu's '${name}' has no codec in celeriac yet)` : '';
      throw new EncodeError(
        `serializer '${name}' is not registered${known}; registered: ${[...this.#byName.keys()].join(', ')}`,
      );
    }
    return found;
  }

  /** Refuse further {@link register} calls; returns the registry. */
  seal(): this {
    this.#sealed = true;
    return this;
  }

  /** The serializer for a content type, or undefined. */
  forContentType(contentType: string): Serializer | undefined {
    return this.#byType.get(contentType);
  }

  /** Content type for an `accept_content` entry: itself when it holds `/`, else the name's. */
  contentTypeOf(nameOrType: string): string | undefined {
    if (nameOrType.includes('/')) return nameOrType;
    return (
      this.#byName.get(nameOrType)?.contentType ??
      (Object.hasOwn(KNOWN_CONTENT_TYPES, nameOrType) ? KNOWN_CONTENT_TYPES[nameOrType] : undefined)
    );
  }

  /**
   * Deserialize a message body with the codec for its content type (check `accept_content` first
   * with {@link assertAccepted}). An empty content type counts as `application/data`, as kombu.
   * @throws DecodeError when no codec is registered for the type, or the body is malformed.
   */
  decode(body: Buffer, contentType: string): unknown {
    const type = contentType === '' ? 'application/data' : contentType;
    const serializer = this.#byType.get(type);
    if (serializer === undefined) {
      const name = Object.keys(KNOWN_CONTENT_TYPES).find((n) => KNOWN_CONTENT_TYPES[n] === type);
      throw new DecodeError(
        `cannot decode content type '${type}': serializer ${name === undefined ? '' : `'${name}' `}is not available`,
      );
    }
    return serializer.decode(body);
  }
}

/** A new registry holding kombu's `json` and `msgpack` serializers. */
export function createSerializerRegistry(): SerializerRegistry {
  return new SerializerRegistry().register(jsonSerializer).register(msgpackSerializer);
}

/**
 * The registry codec functions use when the caller passes none: `json` and `msgpack`, sealed so nothing
 * registers into shared state (an app wanting more builds its own with
 * {@link createSerializerRegistry}).
 */
export const defaultSerializers: SerializerRegistry = createSerializerRegistry().seal();

/**
 * Check a message's content type against Celery's `accept_content`, whose entries are names
 * (`json`) or content types (`application/json`) — kombu's `prepare_accept_content`. Content
 * types kombu trusts (`application/data`, `application/text`) always pass, as in kombu. Unknown
 * names match nothing. No allocation: the list is short and this runs for every message.
 * @throws ContentDisallowedError when nothing in `accept` allows `contentType`.
 * @example assertAccepted('application/x-python-serialize', ['json']) // throws
 */
export function assertAccepted(
  contentType: string,
  accept: readonly string[],
  registry: SerializerRegistry = defaultSerializers,
): void {
  if (TRUSTED_CONTENT_TYPES.has(contentType)) return;
  for (const entry of accept) {
    if (entry === contentType || registry.contentTypeOf(entry) === contentType) return;
  }
  throw new ContentDisallowedError(contentType);
}
