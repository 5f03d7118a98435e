// Layer direction of ../shared/DESIGN.md: a folder imports only from lower layers; no cycles.
const layers = [
  ['errors.ts', 'internal'],
  ['protocol', 'connections'],
  ['transports', 'canvas'],
  ['backends', 'control', 'events'],
  ['app'],
  ['worker', 'beat'],
  ['monitor', 'testing'],
  ['cli'],
];
const folderOf = (name) => (name === 'errors.ts' ? 'errors\\.ts' : `${name}/`);
const forbidden = [
  // A cycle made only of type imports costs nothing at run time (e.g. Celery ↔ TaskContext).
  { name: 'no-circular', severity: 'error', from: {}, to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } } },
];
layers.forEach((layer, level) => {
  const higher = layers.slice(level + 1).flat();
  if (higher.length === 0) return;
  for (const name of layer) {
    forbidden.push({
      name: `layer-${name.replace('.ts', '')}-imports-up`,
      comment: `${name} (layer ${level}) must not import from a higher layer`,
      severity: 'error',
      from: { path: `^src/${folderOf(name)}` },
      to: { path: `^src/(${higher.map(folderOf).join('|')})` },
    });
  }
});
// DESIGN.md: src/connections/ is the only importer of client libraries. Type-only imports (to
// name a connection's or statement's type) cost nothing at run time and stay allowed.
forbidden.push({
  name: 'client-library-outside-connections',
  comment: 'open clients in src/connections/ (e.g. openSqliteDatabase), not in the component',
  severity: 'error',
  from: { path: '^src/', pathNot: '^src/connections/' },
  to: { path: 'node_modules/(better-sqlite3|ioredis)/', dependencyTypesNot: ['type-only'] },
});
module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
