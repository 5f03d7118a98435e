/**
 * "Did you mean ...?" for names a user typed: the closest candidate by edit distance, compared
 * case-insensitively, or nothing when no candidate is close enough to be a plausible typo.
 */
import { distance } from 'fastest-levenshtein';

/**
 * The candidate nearest to `name` by Levenshtein distance, compared case-insensitively, when that
 * distance is at most `max(2, floor(name.length / 3))` — a typo, not a different word. Ties keep
 * the first candidate in iteration order, so callers list preferred spellings first.
 *
 * @param name what the user typed, e.g. `broker_ulr`.
 * @param candidates the known names (any iterable; read once).
 * @returns the candidate as written in `candidates` (its own casing), or `undefined`.
 * @example
 * suggest('broker_ulr', ['broker_url', 'result_backend']); // 'broker_url'
 * suggest('xyz', ['broker_url']);                           // undefined
 */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  const needle = name.toLowerCase();
  const limit = Math.max(2, Math.floor(needle.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    // A length gap larger than the limit can never be within it; skip the O(n·m) distance.
    if (Math.abs(candidate.length - needle.length) >= bestDistance) continue;
    const d = distance(needle, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
      if (d === 0) break;
    }
  }
  return best;
}
