// The entry point of a pool thread or child process (`-P threads` / `-P processes`). tsx is
// registered first, in this thread or process itself, so the app's TypeScript modules load here
// as they do in the `celeriac` command.
import { register } from 'tsx/esm/api';

register();
await import('../src/worker/pools/executor-main.ts');
