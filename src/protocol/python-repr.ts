/**
 * Python `repr` text for JSON-like values, as Celery's `saferepr` (celery/utils/saferepr.py)
 * writes the `argsrepr` / `kwargsrepr` headers that monitors (Flower, `celery inspect`) show.
 *
 * saferepr's own rules, mirrored (checked against Celery 5.2.6):
 * - strings are always single-quoted; only `'` is escaped (`\'`) — no other escaping;
 * - containers nested 3 deep print as `[...]` / `{...}` (`maxlevels=3`);
 * - output is cut after `maxLen` characters: a long string or number token is truncated at the
 *   last space before the limit with `...` appended; once the budget is spent the next token is
 *   replaced by `, ...` and only the closing brackets of open containers follow.
 *
 * JavaScript has one number type, so an integral number prints as a Python int (`3`, never
 * `3.0`); other numbers use Python's float repr (`1.5`, `1e-05`, `1.5e+16`).
 */
import { formatKombuDate } from './celery-date.js';

/** saferepr's default nesting limit (`maxlevels=3`). */
const MAX_LEVELS = 3;

interface ReprState {
  out: string;
  /** Characters left; may go negative (Python checks the budget before each token). */
  budget: number;
  /** The budget ran out: emit closing brackets only. */
  done: boolean;
}

/** celery.utils.text.truncate: cut at `maxLen`, back to the last space, then append `...`. */
function truncate(text: string, maxLen: number): string {
  if (maxLen <= 0 || text.length < maxLen) return text;
  let cut = text.slice(0, maxLen);
  // Do not split a UTF-16 surrogate pair (Python counts code points).
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  const space = cut.lastIndexOf(' ');
  return (space === -1 ? cut : cut.slice(0, space)) + '...';
}

/** Append one token, or — when the budget is already spent — end the output with `, ...`. */
function token(state: ReprState, text: string): void {
  if (state.done) return;
  if (state.budget <= 0) {
    state.out += ', ...';
    state.done = true;
    return;
  }
  state.out += text;
  state.budget -= text.length;
}

/** A closing bracket: always written after the cut-off (saferepr's "dangling parens"). */
function closer(state: ReprState, text: string): void {
  if (state.done) state.out += text;
  else token(state, text);
}

/** Python's `repr(float)` for a finite non-integral number (shortest round-trip digits). */
function floatRepr(value: number): string {
  // toExponential() without digits gives the shortest round-trip digits, like Python's repr.
  const exp = value.toExponential();
  const e = exp.indexOf('e');
  const negative = value < 0;
  const digits = exp.slice(negative ? 1 : 0, e).replace('.', '');
  const power = Number(exp.slice(e + 1));
  const sign = negative ? '-' : '';
  if (power < -4 || power >= 16) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const abs = Math.abs(power);
    return `${sign}${mantissa}e${power < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  }
  if (power < 0) return `${sign}0.${'0'.repeat(-power - 1)}${digits}`;
  const intPart = digits.slice(0, power + 1).padEnd(power + 1, '0');
  const frac = digits.slice(power + 1);
  return `${sign}${intPart}.${frac === '' ? '0' : frac}`;
}

function numberRepr(value: number): string {
  if (Number.isInteger(value)) {
    // Integral doubles past 1e21 would print in exponent form; Python ints print every digit.
    return Math.abs(value) < 1e21 ? String(value) : BigInt(value).toString();
  }
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return floatRepr(value);
}

/** Text of a scalar (or of anything that is not a plain container), before truncation. */
function scalarText(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return numberRepr(value);
    case 'boolean':
      return value ? 'True' : 'False';
    case 'bigint':
      return value.toString();
    case 'undefined':
      return 'None';
    default:
      if (value === null) return 'None';
      // A Python peer receives a Date as kombu's JSON text, so show that string.
      if (value instanceof Date) {
        return Number.isNaN(value.getTime()) ? "'Invalid Date'" : `'${formatKombuDate(value)}'`;
      }
      return `<${Object.prototype.toString.call(value).slice(8, -1)}>`;
  }
}

/** One scalar token, truncated to the budget left as saferepr does. */
function scalarRepr(value: unknown, budget: number): string {
  if (typeof value === 'string') return `'${truncate(value, budget).replaceAll("'", "\\'")}'`;
  return truncate(scalarText(value), budget);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function emit(state: ReprState, value: unknown, level: number, asTuple: boolean): void {
  // After the cut-off only containers already open get their closing bracket.
  if (state.done) return;
  if (Array.isArray(value)) {
    const open = asTuple ? '(' : '[';
    const close = asTuple ? (value.length === 1 ? ',)' : ')') : ']';
    if (level >= MAX_LEVELS) return token(state, truncate(`${open}...${close}`, state.budget));
    token(state, open);
    for (let i = 0; i < value.length && !state.done; i++) {
      if (i > 0) token(state, ', ');
      emit(state, value[i], level + 1, false);
    }
    return closer(state, close);
  }
  if (isPlainObject(value)) {
    if (level >= MAX_LEVELS) return token(state, truncate('{...}', state.budget));
    token(state, '{');
    let first = true;
    for (const key in value) {
      if (state.done) break;
      if (!first) token(state, ', ');
      first = false;
      // saferepr renders each key as a whole saferepr of its own with the budget left.
      token(state, state.budget > 0 ? pythonRepr(key, state.budget) : '');
      token(state, ': ');
      emit(state, value[key], level + 1, false);
    }
    return closer(state, '}');
  }
  token(state, scalarRepr(value, state.budget));
}

/**
 * Python repr of a JSON-like value as Celery's `saferepr(value, maxLen)` writes it: arrays as
 * lists `[1, 2]`, plain objects as dicts `{'a': 1}`, `true`/`false`/`null` as `True`/`False`/
 * `None`, strings single-quoted. See the module comment for the truncation rules.
 * @param maxLen approximate output limit in characters; default 1024 (Celery's for argsrepr).
 * @example pythonRepr({ a: [1, 'x'], b: null }) // "{'a': [1, 'x'], 'b': None}"
 */
export function pythonRepr(value: unknown, maxLen = 1024): string {
  const state: ReprState = { out: '', budget: maxLen, done: false };
  emit(state, value, 0, false);
  return state.out;
}

/**
 * The `argsrepr` header: positional arguments as a Python tuple — `(2, 3)`, `(2,)`, `()`.
 * @param maxLen default 1024, as Celery's `as_task_v2`.
 */
export function argsRepr(args: readonly unknown[], maxLen = 1024): string {
  const state: ReprState = { out: '', budget: maxLen, done: false };
  emit(state, args, 0, true);
  return state.out;
}

/**
 * The `kwargsrepr` header: keyword arguments as a Python dict — `{}`, `{'a': 1}`.
 * @param maxLen default 1024, as Celery's `as_task_v2`.
 */
export function kwargsRepr(kwargs: Readonly<Record<string, unknown>>, maxLen = 1024): string {
  return pythonRepr(kwargs, maxLen);
}
