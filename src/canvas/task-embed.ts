/**
 * The canvas part of a task message's body (`body[2]`: `callbacks`, `errbacks`, `chain`,
 * `chord`) from the options a signature is applied with (`link`, `linkError`, `chain`, `chord`).
 */
import type { SignatureDict } from '../protocol/signature-dict.js';
import type { TaskEmbed } from '../protocol/task-message.js';
import type { AnySignature, SignatureOptions } from './signature.js';

const EMPTY_EMBED: TaskEmbed = Object.freeze({ callbacks: null, errbacks: null, chain: null, chord: null });

export function taskEmbed(options: Pick<SignatureOptions, 'link' | 'linkError' | 'chain' | 'chord'>): TaskEmbed {
  const { link, linkError, chain, chord } = options;
  if (link === undefined && linkError === undefined && chain === undefined && chord === undefined) return EMPTY_EMBED;
  return { callbacks: dicts(link), errbacks: dicts(linkError), chain: dicts(chain), chord: chord ? chord.toDict() : null };
}

function dicts(sigs: AnySignature | AnySignature[] | undefined): SignatureDict[] | null {
  return sigs === undefined ? null : (Array.isArray(sigs) ? sigs : [sigs]).map((s) => s.toDict());
}
