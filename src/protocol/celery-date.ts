/**
 * The date texts Celery puts on the wire, converted to and from milliseconds since the epoch.
 * Python writes microseconds; JavaScript has milliseconds, so written fractions end in `000` and
 * parsed fractions are truncated to the millisecond. Like Python's `isoformat()`, the fraction is
 * left out when it is exactly zero.
 */
import { DecodeError } from '../errors.js';

/** `YYYY-MM-DDTHH:MM:SS[.ffffff]` in UTC; the fraction only when non-zero (Python's isoformat). */
function isoUtcNaive(ms: number): string {
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const millis = iso.slice(20, 23);
  return millis === '000' ? iso.slice(0, 19) : `${iso.slice(0, 19)}.${millis}000`;
}

/**
 * Format an absolute time as the `eta` / `expires` header text Celery writes
 * (`datetime.isoformat()` of an aware UTC datetime): `2026-11-21T04:42:29.264000+00:00`.
 * @param ms milliseconds since the epoch.
 * @throws RangeError when `ms` is not a valid time.
 * @example formatEtaHeader(Date.UTC(2030, 0, 2, 3, 4, 5, 678)) // '2030-01-02T03:04:05.678000+00:00'
 */
export function formatEtaHeader(ms: number): string {
  return `${isoUtcNaive(ms)}+00:00`;
}

/**
 * Format a time as the result backend's `date_done` (naive UTC, `datetime.utcnow().isoformat()`):
 * `2026-11-21T04:45:35.479000`, or `2026-11-21T04:45:35` when the milliseconds are 0.
 * @throws RangeError when `ms` is not a valid time.
 */
export function formatDateDone(ms: number): string {
  // A busy worker finishes many tasks within one millisecond: format each millisecond once.
  if (ms !== lastDateDoneMs) {
    lastDateDone = isoUtcNaive(ms);
    lastDateDoneMs = ms;
  }
  return lastDateDone;
}

let lastDateDoneMs = Number.NaN;
let lastDateDone = '';

/**
 * Format a `Date` the way kombu 5.2's JSON encoder writes an aware UTC datetime inside args and
 * results: `isoformat()` with `+00:00` replaced by `Z` (`2024-05-06T07:08:09.123000Z`).
 * @throws RangeError for an invalid Date.
 */
export function formatKombuDate(date: Date): string {
  return `${isoUtcNaive(date.getTime())}Z`;
}

// date [T or space time [.fraction] [zone]]; zone = Z | ±HH[:MM] | ±HHMM (celery.utils.iso8601).
const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?)?$/i;

/**
 * Parse an ISO 8601 date text as Celery reads `eta` / `expires` (`maybe_iso8601`): `Z`,
 * `+HH:MM` / `-HH:MM` offsets, or no offset (naive — interpreted at `defaultTzOffsetMin`, as
 * Celery makes naive values aware in the worker's timezone), with 0 to 6+ fraction digits
 * (digits past the millisecond are dropped). A date alone means midnight.
 * @param defaultTzOffsetMin minutes east of UTC applied to naive texts; default 0 (UTC).
 * @returns milliseconds since the epoch.
 * @throws DecodeError when the text is not such a date.
 * @example parseCeleryDate('2030-01-02T03:04:05') // Date.UTC(2030, 0, 2, 3, 4, 5)
 */
export function parseCeleryDate(text: string, defaultTzOffsetMin = 0): number {
  const m = ISO_RE.exec(text);
  if (m === null) throw new DecodeError(`invalid ISO 8601 date '${text}'`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    throw new DecodeError(`invalid ISO 8601 date '${text}' (field out of range)`);
  }
  let offsetMin = defaultTzOffsetMin;
  if (m[8] !== undefined) offsetMin = 0;
  else if (m[9] !== undefined) {
    const abs = Number(m[10]) * 60 + (m[11] === undefined ? 0 : Number(m[11]));
    offsetMin = m[9] === '-' ? -abs : abs;
  }
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0..99 to 1900..1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  if (date.getUTCDate() !== day) {
    throw new DecodeError(`invalid ISO 8601 date '${text}' (no such day)`);
  }
  return date.getTime() - offsetMin * 60_000;
}
