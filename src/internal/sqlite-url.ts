/**
 * The `sqlite://` URL convention shared by the sqlite transport and the sqlite result backend, so
 * one URL names one file everywhere. It follows SQLAlchemy's form, which Celery users already
 * write for `result_backend = 'db+sqlite:///results.db'`:
 *
 * | URL                        | file                                  |
 * | -------------------------- | ------------------------------------- |
 * | `sqlite:///celeriac.db`    | `celeriac.db`, relative to the cwd    |
 * | `sqlite:////var/lib/q.db`  | `/var/lib/q.db` (absolute)            |
 * | `sqlite://` or `sqlite:///:memory:` | `:memory:` (private to one connection) |
 *
 * Percent-escapes in the path are decoded (`%20` → space). A host part (`sqlite://host/x.db`) or a
 * query string is refused rather than silently ignored.
 */
import { CeleriacError } from '../errors.js';

const PREFIX = 'sqlite://';

/**
 * The database file path named by a `sqlite://` URL (see the module comment for the forms).
 *
 * @example parseSqliteUrl('sqlite:///celeriac.db') // → 'celeriac.db'
 * @example parseSqliteUrl('sqlite:////tmp/q.db')   // → '/tmp/q.db'
 * @throws CeleriacError `BAD_URL` when the scheme is not `sqlite://`, a host or query string is
 *   present, or the path is empty.
 */
export function parseSqliteUrl(url: string): string {
  if (!url.toLowerCase().startsWith(PREFIX)) {
    throw new CeleriacError('BAD_URL', `not a sqlite URL: '${url}' (expected sqlite:///path.db)`);
  }
  const rest = url.slice(PREFIX.length);
  if (rest === '') return ':memory:';
  if (!rest.startsWith('/')) {
    throw new CeleriacError(
      'BAD_URL',
      `sqlite URL '${url}' has a host part; use three slashes for a relative path ` +
        `(sqlite:///file.db) or four for an absolute one (sqlite:////abs/file.db)`,
    );
  }
  if (rest.includes('?') || rest.includes('#')) {
    throw new CeleriacError('BAD_URL', `sqlite URL '${url}': query strings are not supported`);
  }
  let path: string;
  try {
    path = decodeURIComponent(rest.slice(1));
  } catch (cause) {
    throw new CeleriacError('BAD_URL', `sqlite URL '${url}' has a malformed %-escape`, { cause });
  }
  if (path === '') {
    throw new CeleriacError('BAD_URL', `sqlite URL '${url}' names no file (expected sqlite:///path.db)`);
  }
  return path;
}
