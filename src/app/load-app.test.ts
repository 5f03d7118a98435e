import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadApp } from './load-app.js';
import { CeleriacError } from '../errors.js';

test('finds the exported app and imports the modules its `imports` setting names', async () => {
  const app = await loadApp('./test/fixtures/apps/imports-app.ts');
  assert.equal(app.main, 'imports');
  assert.ok(app.tasks.has('imported.double'), 'the imported module registered its task');
});

test('accepts a path without extension and an explicit :attribute', async () => {
  const app = await loadApp('./test/fixtures/apps/imports-app:app');
  assert.equal(app.main, 'imports');
});

test('a missing module or a module without an app is a clear APP_LOAD_FAILED', async () => {
  await assert.rejects(loadApp('./nope/nothing.ts'), (err: unknown) => err instanceof CeleriacError && err.code === 'APP_LOAD_FAILED' && /cannot find the app module/.test(err.message));
  await assert.rejects(loadApp('./test/fixtures/config/celeryconfig.ts'), /exports no Celery app/);
  await assert.rejects(loadApp('./test/fixtures/apps/imports-app.ts:missing'), /no Celery app exported as 'missing'/);
});
