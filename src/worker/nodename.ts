/**
 * Worker node names as Celery spells them (`-n w1@%h`): `%h` full host name, `%n` the host name
 * without its domain, `%d` the domain, `%%` a percent sign; a name without `@` gets `@<host>`
 * (celery/utils/nodenames.py). Default: `celery@<host>`.
 */
import { hostname as osHostname } from 'node:os';

export function expandNodename(pattern: string | undefined, host: string = osHostname()): string {
  const dot = host.indexOf('.');
  const short = dot === -1 ? host : host.slice(0, dot);
  const domain = dot === -1 ? '' : host.slice(dot + 1);
  const raw = pattern ?? 'celery@%h';
  const expanded = raw.replace(/%([hnd%])/g, (_, c: string) => (c === 'h' ? host : c === 'n' ? short : c === 'd' ? domain : '%'));
  return expanded.includes('@') ? expanded : `${expanded}@${host}`;
}
