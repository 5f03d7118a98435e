// The benchmarked worker as production runs it: compiled celeriac (dist/, built here first when
// it is missing or stale) and the bench app compiled to JavaScript (as `tsc` would emit it), so
// the worker has no TypeScript loader. The app is written under .tmp/ inside the package, where
// `import 'celeriac'` resolves to the package itself.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import ts from 'typescript';

const projectRoot = new URL('..', import.meta.url).pathname;

/**
 * Build dist/ if needed and compile bench/bench-app.ts to .tmp/bench/bench-app.mjs; returns the
 * app's path from the project root. @throws when the build fails.
 */
export function compiledBenchApp(): string {
  const build = spawnSync(process.execPath, [`${projectRoot}scripts/build.mjs`, '--if-stale'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`npm run build failed (exit ${build.status})`);
  const source = readFileSync(`${projectRoot}bench/bench-app.ts`, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  });
  mkdirSync(`${projectRoot}.tmp/bench`, { recursive: true });
  writeFileSync(`${projectRoot}.tmp/bench/bench-app.mjs`, outputText);
  return '.tmp/bench/bench-app.mjs';
}
