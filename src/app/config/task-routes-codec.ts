/**
 * `task_routes`: Celery accepts a map (task name, glob or regex → route), a router function, or a
 * list of those, or a list of `(pattern, route)` pairs. celeriac reads all of these once into one
 * shape — an ordered list of routers, each a `Map` or a function — with route options camelCased
 * (`routing_key` → `routingKey`). The app's router applies them in order; the first match wins.
 */
import { camelCase } from './field-reader.js';
import { describeValue, invalid, isPlainObject, type Codec } from './setting-spec.js';

/** Where a task goes: a queue, or an exchange and routing key, and other publish options. */
export interface TaskRoute {
  readonly queue?: string;
  readonly exchange?: string;
  readonly exchangeType?: string;
  readonly routingKey?: string;
  readonly priority?: number;
  /** Other `apply_async` options a route may carry, camelCase, values as written. */
  readonly [option: string]: unknown;
}

/**
 * A router function (Celery's `route_for_task`): a route, a queue name, or nothing to let the
 * next router decide. Celery passes the send options too.
 */
export type TaskRouterFn = (
  name: string,
  args: unknown[],
  kwargs: Record<string, unknown>,
  options?: Record<string, unknown>,
) => TaskRoute | string | null | undefined;

/** One normalized router: patterns (exact name, glob with `*`/`?`, or RegExp) in order, or a function. */
export type TaskRouter = ReadonlyMap<string | RegExp, TaskRoute> | TaskRouterFn;

type RouteValue = TaskRoute | string;
type RouteMapInput = Readonly<Record<string, RouteValue>> | ReadonlyMap<string | RegExp, RouteValue>;
type RoutePairs = ReadonlyArray<readonly [string | RegExp, RouteValue]>;

/** Everything Celery accepts for `task_routes` (minus import-path strings). */
export type TaskRoutesInput = RouteMapInput | TaskRouterFn | ReadonlyArray<RouteMapInput | TaskRouterFn | RoutePairs>;

function readRoute(value: unknown, name: string): TaskRoute {
  if (typeof value === 'string') {
    if (value === '') invalid(name, 'an empty queue name');
    return Object.freeze({ queue: value });
  }
  if (!isPlainObject(value)) invalid(name, `expected a queue name or a route object, got ${describeValue(value)}`);
  const route: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(value)) {
    if (option === undefined) continue;
    route[camelCase(key)] = option;
  }
  for (const key of ['queue', 'exchange', 'exchangeType', 'routingKey'] as const) {
    if (route[key] !== undefined && typeof route[key] !== 'string') {
      invalid(`${name}.${key}`, `expected a string, got ${describeValue(route[key])}`);
    }
  }
  const priority = route.priority;
  if (priority !== undefined && priority !== null && (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > 255)) {
    invalid(`${name}.priority`, `expected an integer 0..255, got ${describeValue(priority)}`);
  }
  return Object.freeze(route);
}

/** A list of `(pattern, route)` pairs, as opposed to a list of routers. */
function isPairs(value: readonly unknown[]): boolean {
  return (
    value.length > 0 &&
    value.every((item) => Array.isArray(item) && item.length === 2 && (typeof item[0] === 'string' || item[0] instanceof RegExp))
  );
}

function readRouter(value: unknown, name: string): TaskRouter {
  if (typeof value === 'function') return value as TaskRouterFn;
  if (typeof value === 'string') {
    invalid(name, `router import paths (${describeValue(value)}) are not supported; pass the router function itself`);
  }
  const map = new Map<string | RegExp, TaskRoute>();
  if (value instanceof Map) {
    for (const [pattern, route] of value as Map<unknown, unknown>) {
      if (typeof pattern !== 'string' && !(pattern instanceof RegExp)) {
        invalid(name, `a route pattern must be a string or a RegExp, got ${describeValue(pattern)}`);
      }
      map.set(pattern, readRoute(route, `${name}[${String(pattern)}]`));
    }
  } else if (Array.isArray(value) && isPairs(value)) {
    for (const [pattern, route] of value as RoutePairs) {
      if (typeof pattern !== 'string' && !(pattern instanceof RegExp)) {
        invalid(name, `a route pattern must be a string or a RegExp, got ${describeValue(pattern)}`);
      }
      map.set(pattern, readRoute(route, `${name}[${String(pattern)}]`));
    }
  } else if (isPlainObject(value)) {
    for (const [pattern, route] of Object.entries(value)) map.set(pattern, readRoute(route, `${name}.${pattern}`));
  } else {
    invalid(name, `expected a map of routes, a router function or a list of them, got ${describeValue(value)}`);
  }
  return map;
}

/** `task_routes` → `readonly TaskRouter[]` (empty when unset; `null` reads as empty). */
export function taskRoutes(): Codec<readonly TaskRouter[], TaskRoutesInput | null> {
  const read = (value: unknown, name: string): readonly TaskRouter[] => {
    if (value === null) return Object.freeze([]);
    // A list of (pattern, route) pairs is one router; any other list is a list of routers.
    if (Array.isArray(value) && !isPairs(value)) {
      return Object.freeze(value.map((item, i) => readRouter(item, `${name}[${i}]`)));
    }
    return Object.freeze([readRouter(value, name)]);
  };
  return Object.freeze({ type: 'TaskRouter[]', nullable: true, env: 'json', fromCelery: read, fromCeleriac: read });
}
