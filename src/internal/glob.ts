/**
 * Python's `fnmatch` reduced to what Celery users write: `*` matches any run of characters (dots
 * included), `?` one character; everything else is literal. Used for `task_routes` globs
 * (`'webhook.*'`) and remote-control `pattern`s.
 */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 's');
}
