/**
 * The value of a saved group (Celery's `GroupResult.save`): `{"result": <GroupResult.as_tuple()>}`
 * (the `backend-group` capture), the same text in every backend so Python reads celeriac's and the
 * reverse on Redis.
 */
import { DecodeError } from '../errors.js';
import { decodeJson, encodeJson } from '../protocol/celery-json.js';

export function encodeSavedGroup(tuple: unknown): string {
  return encodeJson({ result: tuple });
}

/** @throws DecodeError when the text is not a saved group. */
export function decodeSavedGroup(groupId: string, text: string): unknown {
  const value = decodeJson(text);
  if (typeof value !== 'object' || value === null || !('result' in value)) {
    throw new DecodeError(`the saved group ${groupId} has no "result": ${text.slice(0, 120)}`);
  }
  return (value).result;
}
