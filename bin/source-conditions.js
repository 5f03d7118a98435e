// A module resolve hook for running celeriac from its TypeScript sources: every import of the
// package by name (`import 'celeriac'`, in the CLI and in the app given to -A alike) resolves
// through the `celeriac-source` export condition to src/, so one copy of celeriac is loaded and
// `instanceof` holds between the command and the app. Registered by bin/runtime.js.
export async function resolve(specifier, context, nextResolve) {
  if (context.conditions.includes('celeriac-source')) return nextResolve(specifier, context);
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, 'celeriac-source'] });
}
