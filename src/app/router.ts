/**
 * `task_routes`: which queue a task goes to when the caller does not say (celery/app/routes.py).
 * The config layer has already normalized what the user wrote (maps with exact names, glob
 * patterns such as `webhook.*`, regular expressions; router functions; lists of those) into an
 * ordered list of routers; this compiles that list once into the function called on every send.
 * The first router that answers wins.
 */
import { globToRegExp } from '../internal/glob.js';
import type { TaskRoute, TaskRouter } from './config/task-routes-codec.js';

export type { TaskRoute, TaskRouter };

/**
 * Resolves a task name (and its arguments and the call's options, for router functions) to a
 * route, or undefined.
 */
export type RouteResolver = (
  name: string,
  args: unknown[],
  kwargs: Record<string, unknown>,
  options?: Record<string, unknown>,
) => TaskRoute | undefined;

function compileMap(map: ReadonlyMap<string | RegExp, TaskRoute>): RouteResolver {
  const exact = new Map<string, TaskRoute>();
  const patterns: Array<[RegExp, TaskRoute]> = [];
  for (const [key, route] of map) {
    if (key instanceof RegExp) patterns.push([key, route]);
    else if (/[*?]/.test(key)) patterns.push([globToRegExp(key), route]);
    else exact.set(key, route);
  }
  return (name) => {
    const hit = exact.get(name);
    if (hit) return hit;
    for (const [re, route] of patterns) if (re.test(name)) return route;
    return undefined;
  };
}

function compileFn(fn: Extract<TaskRouter, (...args: never[]) => unknown>): RouteResolver {
  return (name, args, kwargs, options) => {
    const answer = fn(name, args, kwargs, options ?? {});
    if (answer === null || answer === undefined) return undefined;
    return typeof answer === 'string' ? { queue: answer } : answer;
  };
}

/** Compile the normalized `task_routes` once. */
export function compileRoutes(routers: readonly TaskRouter[]): RouteResolver {
  const resolvers = routers.map((r) => (typeof r === 'function' ? compileFn(r) : compileMap(r)));
  if (resolvers.length === 0) return () => undefined;
  if (resolvers.length === 1) return resolvers[0]!;
  return (name, args, kwargs, options) => {
    for (const resolve of resolvers) {
      const route = resolve(name, args, kwargs, options);
      if (route) return route;
    }
    return undefined;
  };
}
