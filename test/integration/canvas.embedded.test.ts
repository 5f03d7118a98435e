// Canvas end to end on the embedded broker and backend: memory, and sqlite (one file per run).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canvasScenarios } from './canvas-scenarios.js';

canvasScenarios('memory', { settings: () => ({ broker_url: 'memory://' }) });

const dir = mkdtempSync(join(tmpdir(), 'celeriac-canvas-'));
canvasScenarios('sqlite', {
  settings: () => ({ broker_url: `sqlite:///${join(dir, 'canvas.db')}` }),
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
});
