/**
 * Celery's dict form of a signature → celeriac's canvas objects (the reverse is
 * `Signature.toDict`). What a worker finds in a message's `callbacks`, `errbacks`, `chain` and
 * `chord` (and in a signature's `link` / `link_error` / `chord` options) goes through here, so a
 * chain, group or chord built by Python Celery runs on celeriac and the reverse. Mirrors
 * `Signature.from_dict` and its `subtask_type` registry.
 */
import { DecodeError } from '../errors.js';
import { isSignatureDict, signatureOptionName, type SignatureDict } from '../protocol/signature-dict.js';
import type { CanvasApp } from './canvas-app.js';
import { Chain, Chord, Group, Signature, type AnySignature, type SignatureOptions } from './signature.js';

/** Option values that hold signatures (one or a list) rather than plain data. */
const SIGNATURE_VALUED = new Set(['link', 'linkError', 'chord']);

/**
 * Decode one signature dict (nested workflows included), bound to `app` when given.
 * @throws DecodeError when the value or a nested part is not a signature dict.
 */
export function signatureFromDict(value: unknown, app?: CanvasApp): AnySignature {
  if (value instanceof Signature) return value;
  if (!isSignatureDict(value)) throw new DecodeError(`not a signature dict: ${describe(value)}`);
  const d = value;
  const options = decodeOptions(d.options ?? {}, app);
  const kwargs = isObject(d.kwargs) ? d.kwargs : {};
  switch (d.subtask_type) {
    case 'chain':
      return new Chain(listOf(kwargs.tasks, 'chain kwargs.tasks').map((t) => signatureFromDict(t, app)), options, app);
    case 'group':
      return new Group(listOf(kwargs.tasks, 'group kwargs.tasks').map((t) => signatureFromDict(t, app)), options, app);
    case 'chord': {
      const rawHeader = kwargs.header;
      // A chord built by the caller keeps its header as a list; a frozen one as a group dict.
      const header = Array.isArray(rawHeader)
        ? rawHeader.map((t) => signatureFromDict(t, app))
        : (signatureFromDict(rawHeader, app) as Group);
      if (!Array.isArray(header) && !(header instanceof Group)) throw new DecodeError('chord kwargs.header is neither a list nor a group');
      const chord = new Chord(header, signatureFromDict(kwargs.body, app), options, app);
      if (isObject(kwargs.kwargs)) chord.kwargs.kwargs = kwargs.kwargs;
      chord.args = Array.isArray(d.args) ? d.args : [];
      chord.immutable = d.immutable === true;
      return chord;
    }
    default: {
      const sig = new Signature(
        {
          task: d.task,
          args: Array.isArray(d.args) ? d.args : [],
          kwargs,
          options,
          subtaskType: typeof d.subtask_type === 'string' ? d.subtask_type : null,
          immutable: d.immutable === true,
          chordSize: d.chord_size,
        },
        app,
      );
      return sig;
    }
  }
}

/** Decode a list of signature dicts (`callbacks`, `errbacks`, `chain`). */
export function signaturesFromDicts(values: readonly unknown[], app?: CanvasApp): AnySignature[] {
  return values.map((v) => signatureFromDict(v, app));
}

function decodeOptions(raw: Record<string, unknown>, app: CanvasApp | undefined): SignatureOptions {
  const options: Record<string, unknown> = {};
  let extra: Record<string, unknown> | undefined;
  for (const [wire, value] of Object.entries(raw)) {
    const name = signatureOptionName(wire);
    if (name === undefined) {
      (extra ??= {})[wire] = value;
    } else if (name === 'chain') {
      options.chain = Array.isArray(value) ? signaturesFromDicts(value, app) : value;
    } else if (SIGNATURE_VALUED.has(name) && value !== null && value !== undefined) {
      options[name] = Array.isArray(value) ? signaturesFromDicts(value, app) : signatureFromDict(value, app);
    } else {
      options[name] = value;
    }
  }
  if (extra) options.extra = extra;
  return options;
}

function listOf(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new DecodeError(`${what} is not a list`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

export type { SignatureDict };
