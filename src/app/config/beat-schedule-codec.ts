/**
 * `beat_schedule`: periodic tasks by entry name (seed 001: `{'add-every-30s': {'task':
 * 'tasks.add', 'schedule': 30, 'args': (14, 5)}}`). Read once into entries whose schedule is an
 * interval in ms, crontab fields, or a schedule object from the beat layer passed through as is.
 */
import { UnknownSettingError } from '../../errors.js';
import { suggest } from '../../internal/suggest.js';
import { timedeltaToMs } from './codecs.js';
import { camelCase } from './field-reader.js';
import { describeValue, invalid, isPlainObject, type Codec } from './setting-spec.js';

/** Crontab fields in Celery's syntax (`'0'`, `'0,30'`, `'mon-fri'`, steps); unspecified fields are `'*'`. */
export interface CrontabFields {
  readonly minute: string;
  readonly hour: string;
  readonly dayOfWeek: string;
  readonly dayOfMonth: string;
  readonly monthOfYear: string;
}

/** When an entry runs. */
export type BeatSchedule =
  | { readonly kind: 'interval'; readonly everyMs: number }
  | ({ readonly kind: 'crontab' } & CrontabFields)
  /** A schedule object (e.g. the beat layer's `crontab()` or `solar()`), kept as given. */
  | { readonly kind: 'custom'; readonly schedule: object };

/** One periodic task (Celery's `ScheduleEntry` fields). */
export interface BeatScheduleEntry {
  /** The task's registered name. */
  readonly task: string;
  readonly schedule: BeatSchedule;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  /** `apply_async` options, keys camelCased, values as written (`countdown` stays seconds). */
  readonly options: Readonly<Record<string, unknown>>;
  /** Celery's `relative`: round intervals to the interval's resolution. */
  readonly relative: boolean;
}

/**
 * An entry as written: `schedule` is a number (seconds under `beat_schedule`, ms under
 * `beatSchedule`), a `timedelta`-like object (`{ minutes: 5 }`), crontab fields
 * (`{ minute: '0', hour: '10' }`, snake_case or camelCase) or a schedule object.
 */
export interface BeatScheduleEntryInput {
  readonly task: string;
  readonly schedule: number | object;
  readonly args?: readonly unknown[];
  readonly kwargs?: Readonly<Record<string, unknown>>;
  readonly options?: Readonly<Record<string, unknown>>;
  readonly relative?: boolean;
}

const ENTRY_FIELDS = ['task', 'schedule', 'args', 'kwargs', 'options', 'relative'];

const CRONTAB_FIELDS: Readonly<Record<string, keyof CrontabFields>> = {
  minute: 'minute',
  hour: 'hour',
  day_of_week: 'dayOfWeek',
  dayOfWeek: 'dayOfWeek',
  day_of_month: 'dayOfMonth',
  dayOfMonth: 'dayOfMonth',
  month_of_year: 'monthOfYear',
  monthOfYear: 'monthOfYear',
};

function readCrontab(value: Record<string, unknown>, name: string): BeatSchedule {
  const fields: Record<keyof CrontabFields, string> = { minute: '*', hour: '*', dayOfWeek: '*', dayOfMonth: '*', monthOfYear: '*' };
  for (const [key, field] of Object.entries(value)) {
    const target = CRONTAB_FIELDS[key];
    if (target === undefined) {
      invalid(name, `'${key}' is not a crontab field (${Object.keys(CRONTAB_FIELDS).join(', ')}); a schedule is either crontab fields or a duration`);
    }
    if (typeof field !== 'string' && typeof field !== 'number') {
      invalid(`${name}.${key}`, `expected a crontab expression string or number, got ${describeValue(field)}`);
    }
    fields[target] = String(field);
  }
  return Object.freeze({ kind: 'crontab', ...fields });
}

function readSchedule(value: unknown, name: string, scale: number): BeatSchedule {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) invalid(name, `an interval must be a positive number, got ${value}`);
    return Object.freeze({ kind: 'interval', everyMs: Math.round(value * scale) });
  }
  if (isPlainObject(value)) {
    if (Object.keys(value).some((key) => key in CRONTAB_FIELDS)) return readCrontab(value, name);
    const everyMs = timedeltaToMs(value, name);
    if (everyMs <= 0) invalid(name, 'an interval must be positive');
    return Object.freeze({ kind: 'interval', everyMs });
  }
  if (typeof value === 'object' && value !== null) return Object.freeze({ kind: 'custom', schedule: value });
  return invalid(name, `expected seconds, a duration object, crontab fields or a schedule object, got ${describeValue(value)}`);
}

function readEntry(value: unknown, name: string, scale: number): BeatScheduleEntry {
  if (!isPlainObject(value)) invalid(name, `expected an entry object { task, schedule, ... }, got ${describeValue(value)}`);
  if (value.task === undefined) {
    const nested = Object.keys(value).find((key) => isPlainObject(value[key]) && 'task' in (value[key] as object));
    invalid(
      name,
      nested === undefined
        ? "missing 'task'"
        : `missing 'task'; '${nested}' looks like an entry nested one level too deep (beat_schedule maps entry names straight to { task, schedule, ... })`,
    );
  }
  for (const key of Object.keys(value)) {
    if (!ENTRY_FIELDS.includes(key)) {
      const hint = suggest(key, ENTRY_FIELDS);
      throw new UnknownSettingError(`${name}.${key}`, hint === undefined ? undefined : `${name}.${hint}`);
    }
  }
  const { task, schedule, args = [], kwargs = {}, options = {}, relative = false } = value;
  if (typeof task !== 'string' || task === '') invalid(`${name}.task`, `expected a task name, got ${describeValue(task)}`);
  if (schedule === undefined) invalid(name, "missing 'schedule'");
  if (!Array.isArray(args)) invalid(`${name}.args`, `expected a list, got ${describeValue(args)}`);
  if (!isPlainObject(kwargs)) invalid(`${name}.kwargs`, `expected an object, got ${describeValue(kwargs)}`);
  if (!isPlainObject(options)) invalid(`${name}.options`, `expected an object, got ${describeValue(options)}`);
  if (typeof relative !== 'boolean') invalid(`${name}.relative`, `expected true or false, got ${describeValue(relative)}`);
  return Object.freeze({
    task,
    schedule: readSchedule(schedule, `${name}.schedule`, scale),
    args: Object.freeze([...(args as unknown[])]),
    kwargs: Object.freeze({ ...kwargs }),
    options: Object.freeze(Object.fromEntries(Object.entries(options).map(([k, v]) => [camelCase(k), v]))),
    relative,
  });
}

/** `beat_schedule` → entries by name; numbers in `schedule` are seconds (Celery) or ms (camelCase key). */
export function beatSchedule(): Codec<Readonly<Record<string, BeatScheduleEntry>>, Readonly<Record<string, BeatScheduleEntryInput>>> {
  const read = (scale: number) => (value: unknown, name: string): Readonly<Record<string, BeatScheduleEntry>> => {
    if (!isPlainObject(value)) invalid(name, `expected an object of entries by name, got ${describeValue(value)}`);
    return Object.freeze(Object.fromEntries(Object.entries(value).map(([entry, spec]) => [entry, readEntry(spec, `${name}.${entry}`, scale)])));
  };
  return Object.freeze({
    type: 'Record<string, BeatScheduleEntry>',
    unit: 'ms',
    celeryUnit: 's',
    nullable: false,
    env: 'json',
    fromCelery: read(1000),
    fromCeleriac: read(1),
  });
}
