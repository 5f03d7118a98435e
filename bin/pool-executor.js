// The entry point of a pool thread or child process (`-P threads` / `-P processes`). It runs the
// same copy of celeriac as the worker that started it — dist/ or the TypeScript sources, named by
// CELERIAC_EXECUTOR_RUNTIME (set by src/worker/pools/executor-channel.ts) — so the messages
// between them, and the app loaded on both sides, agree. Under dist/ no loader hooks are
// registered unless the app is TypeScript (then the module loader registers tsx itself).
import { runEntry } from './runtime.js';

const runtime = process.env.CELERIAC_EXECUTOR_RUNTIME === 'dist' ? 'dist' : 'source';
// Not passed on to whatever the tasks start.
delete process.env.CELERIAC_EXECUTOR_RUNTIME;
await runEntry(runtime, 'worker/pools/executor-main');
