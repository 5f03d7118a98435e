// A module resolve hook: a TypeScript file of the app's own (not under node_modules) loads as an
// ES module even where its package.json says CommonJS or says nothing, as in a folder made by
// `npm init`. Under tsx's rules such a file is CommonJS, its `import 'celeriac'` becomes a
// require() of an ES module that is already loading, and Node 20 refuses that as a cycle; a
// CommonJS-style .ts file (require / module.exports) never loaded under the command either, since
// only tsx's ES module hooks are registered. Registered with tsx by bin/runtime.js (sources) and
// src/app/typescript-modules.ts (compiled celeriac).
const OWN_TYPESCRIPT = /^file:(?!.*\/node_modules\/).*\.(ts|mts)$/;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (resolved.format === 'module' || !OWN_TYPESCRIPT.test(resolved.url)) return resolved;
  return { ...resolved, format: 'module' };
}
