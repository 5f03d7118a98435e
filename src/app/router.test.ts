import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Config } from './config/config.js';
import { compileRoutes } from './router.js';

function resolverFor(routes: unknown) {
  const conf = new Config({ task_routes: routes });
  return compileRoutes(conf.taskRoutes);
}

test('seed 000: webhook.* and internal.* globs choose their queues; others fall through', () => {
  const route = resolverFor({
    'webhook.*': { queue: 'hackfun#workerQueue@webhook' },
    'internal.*': { queue: 'hackfun#workerQueue@internal' },
  });
  assert.equal(route('webhook.print', [], {})?.queue, 'hackfun#workerQueue@webhook');
  assert.equal(route('internal.print', [], {})?.queue, 'hackfun#workerQueue@internal');
  assert.equal(route('tasks.add', [], {}), undefined);
});

test('exact names win over globs in the same map; lists are tried in order; functions may answer', () => {
  const route = resolverFor([
    { 'tasks.*': 'glob', 'tasks.add': 'exact' },
    (name: string) => (name === 'other.fn' ? 'from-fn' : undefined),
    new Map([[/^re\./, { queue: 'regex' }]]),
  ]);
  assert.equal(route('tasks.add', [], {})?.queue, 'exact');
  assert.equal(route('tasks.mul', [], {})?.queue, 'glob');
  assert.equal(route('other.fn', [], {})?.queue, 'from-fn');
  assert.equal(route('re.x', [], {})?.queue, 'regex');
});
