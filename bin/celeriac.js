#!/usr/bin/env node
// The `celeriac` command: compiled celeriac (dist/) with no module loader hooks when it can run,
// else the TypeScript sources through tsx (see bin/runtime.js).
import { chooseRuntime, runEntry } from './runtime.js';

let runtime;
try {
  runtime = chooseRuntime();
} catch (err) {
  process.stderr.write(`celeriac: ${err.message}\n`);
  process.exit(2);
}
await runEntry(runtime, 'cli/main');
