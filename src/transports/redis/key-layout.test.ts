import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BindingTable } from './binding-table.js';
import { KeyLayout } from './key-layout.js';
import { resolveRedisTransportSettings } from './redis-transport-options.js';

const SEP = '\x06\x16';

describe('KeyLayout', () => {
  test("kombu's priority steps: the largest step ≤ priority (Python's bisect, wrapping below the first)", () => {
    const layout = new KeyLayout();
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((p) => layout.step(p)), [0, 0, 0, 3, 3, 3, 6, 6, 6, 9]);
    assert.equal(layout.listName('celery', 0), 'celery');
    assert.equal(layout.listName('celery', 5), `celery${SEP}3`);
    assert.equal(layout.listName('celery', 9), `celery${SEP}9`);
    // steps[bisect(steps, n) - 1] with index -1 is the last step in Python.
    assert.equal(new KeyLayout({ prioritySteps: [3, 6, 9] }).step(0), 9);
    const custom = new KeyLayout({ prioritySteps: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], sep: ':' });
    assert.equal(custom.listName('celery', 7), 'celery:7');
  });

  test("consume keys in kombu's BRPOP order: every queue's step, step by step", () => {
    const layout = new KeyLayout({ globalKeyprefix: 'pfx:' });
    assert.deepEqual(layout.consumeListNames(['a', 'b']), ['a', 'b', `a${SEP}3`, `b${SEP}3`, `a${SEP}6`, `b${SEP}6`, `a${SEP}9`, `b${SEP}9`]);
    assert.deepEqual(layout.listKeys('q'), ['pfx:q', `pfx:q${SEP}3`, `pfx:q${SEP}6`, `pfx:q${SEP}9`]);
    assert.equal(layout.queueOfList(`a.b${SEP}6`), 'a.b');
    assert.equal(layout.queueOfList('plain'), 'plain');
  });

  test('every key carries the global prefix; binding members do not', () => {
    const layout = new KeyLayout({ globalKeyprefix: 'pfx:' });
    assert.deepEqual(
      [layout.unacked, layout.unackedIndex, layout.unackedMutex, layout.unackedOwner, layout.consumers, layout.deadLetters],
      ['pfx:unacked', 'pfx:unacked_index', 'pfx:unacked_mutex', 'pfx:celeriac.unacked_owner', 'pfx:celeriac.consumers', 'pfx:celeriac.dead_letters'],
    );
    assert.equal(layout.bindingKey('celery'), 'pfx:_kombu.binding.celery');
    assert.equal(layout.bindingMember('celery', '', 'celery'), `celery${SEP}${SEP}celery`);
    assert.equal(layout.consumerAlive('c1'), 'pfx:celeriac.consumer.c1');
  });
});

test('binding members parse as kombu writes them (direct and topic)', () => {
  const table = new BindingTable(new KeyLayout(), 5_000, () => 0);
  assert.deepEqual(table.parseMember(`celery${SEP}${SEP}celery`), { routingKey: 'celery', pattern: '', queue: 'celery' });
  assert.deepEqual(table.parseMember(`math.#${SEP}^math\\..*?$${SEP}math`), { routingKey: 'math.#', pattern: '^math\\..*?$', queue: 'math' });
  assert.deepEqual(table.parseMember(`${SEP}${SEP}wire@vm.celery.pidbox`), { routingKey: '', pattern: '', queue: 'wire@vm.celery.pidbox' });
  assert.equal(table.parseMember('no separators'), undefined);
});

test('settings: kombu defaults and the derived renewal timings', () => {
  const d = resolveRedisTransportSettings({ url: 'redis://h' });
  assert.equal(d.visibilityTimeoutMs, 3_600_000);
  assert.equal(d.renewIntervalMs, 5_000);
  assert.equal(d.consumerTtlMs, 15_000);
  assert.equal(d.restoreIntervalMs, 10_000);
  assert.equal(d.unackedMutexExpireMs, 300_000);
  const short = resolveRedisTransportSettings({ url: 'redis://h', visibilityTimeoutMs: 2_000 });
  assert.equal(short.renewIntervalMs, 500);
  assert.equal(short.consumerTtlMs, 2_000);
  assert.equal(short.restoreIntervalMs, 1_000);
  assert.throws(() => resolveRedisTransportSettings({ url: 'redis://h', visibilityTimeoutMs: 0 }), { code: 'CONFIG_INVALID' });
  assert.throws(() => resolveRedisTransportSettings({ url: 'redis://h', prioritySteps: [] }), { code: 'CONFIG_INVALID' });
});
