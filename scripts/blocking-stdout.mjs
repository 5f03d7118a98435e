// Preloaded into every process `npm test` starts (the runner and each test file's child).
// A test file's child streams its results to the runner over its stdout, a pipe, and Node writes
// to pipes asynchronously on Linux; with --test-force-exit the child then exits with its last
// results still buffered, and the runner never counts them — failing ones included
// (nodejs/node#64833: "--test-force-exit with concurrency silently loses test verdicts").
// Blocking writes leave nothing buffered at exit.
if (!process.stdout.isTTY) process.stdout._handle?.setBlocking?.(true);
