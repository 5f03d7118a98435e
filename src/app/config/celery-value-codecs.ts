/**
 * Codecs for values with a Celery-specific format: time zones, rate limits, delivery modes,
 * pool names and the protocol version. Each is read once here so components get a checked,
 * canonical value.
 */
import { choice, text } from './codecs.js';
import { describeValue, invalid, type Codec } from './setting-spec.js';

function same<T>(type: string, env: Codec<T>['env'], parse: (value: unknown, name: string) => T): Codec<T> {
  return Object.freeze({ type, env, nullable: false, fromCelery: parse, fromCeleriac: parse });
}

/** An IANA time zone name (`Asia/Shanghai`, `UTC`), checked against the runtime's zone data. */
export function timeZone(): Codec<string> {
  const base = text({ nonEmpty: true });
  return same('IANA time zone', 'text', (value, name) => {
    const zone = base.fromCelery(value, name);
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
    } catch {
      invalid(name, `unknown time zone ${describeValue(zone)} (use an IANA name like 'Europe/Oslo' or 'UTC')`);
    }
    return zone;
  });
}

const RATE = /^\d+(\.\d+)?(\/[smh])?$/;

/**
 * A Celery rate limit: `'10/s'`, `'100/m'`, `'1000/h'`, or a number of tasks per second. Kept in
 * Celery's string form (numbers become `'<n>/s'`) because task options use the same format.
 */
export function rateLimit(): Codec<string> {
  return same("rate ('10/s', '100/m', '1000/h')", 'text', (value, name) => {
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return `${value}/s`;
    if (typeof value === 'string' && RATE.test(value.trim())) return value.trim();
    return invalid(name, `expected a rate like '10/s', '100/m' or '1000/h', got ${describeValue(value)}`);
  });
}

/** AMQP delivery mode by name; Celery's numbers (2 persistent, 1 transient) are accepted too. */
export function deliveryMode(): Codec<'persistent' | 'transient'> {
  const names = choice(['persistent', 'transient']);
  return same("'persistent' | 'transient'", 'text', (value, name) => {
    if (value === 2 || value === '2') return 'persistent';
    if (value === 1 || value === '1') return 'transient';
    return names.fromCelery(value, name);
  });
}

/**
 * celeriac's pool kinds. Celery's pool names map onto them once: `prefork`/`processes` →
 * `processes`; `threads` → `threads`; `eventlet`/`gevent` (cooperative concurrency in one
 * thread, which is what the event loop is) and `solo` → `async`.
 */
export function poolKind(): Codec<'async' | 'threads' | 'processes'> {
  return choice(['async', 'threads', 'processes'], { prefork: 'processes', eventlet: 'async', gevent: 'async', solo: 'async' });
}

/** The task message protocol: celeriac speaks version 2 (Celery's default since 4.0) only. */
export function taskProtocol(): Codec<2> {
  return same('2', 'number', (value, name) => {
    if (value === 2) return 2;
    return invalid(name, `celeriac speaks task protocol 2 only (Celery's default since 4.0), got ${describeValue(value)}`);
  });
}
