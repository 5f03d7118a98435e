#!/usr/bin/env node
// The `celeriac` command. tsx is registered first so `-A ./tasks.ts` (and celeriac's own
// TypeScript sources) load without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
