import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ExchangeTable, unroutableWarning } from './exchange-table.js';

describe('ExchangeTable', () => {
  test("the anonymous exchange '' routes to the queue named by the routing key", () => {
    assert.deepEqual(new ExchangeTable().route('', 'celery'), ['celery']);
  });

  test('a direct exchange routes to every queue bound with an equal key', () => {
    const table = new ExchangeTable();
    assert.equal(table.bind('tasks', 'direct', 'math', 'q1'), true);
    assert.equal(table.bind('tasks', 'direct', 'math', 'q2'), true);
    assert.equal(table.bind('tasks', 'direct', 'math', 'q1'), false);
    table.bind('tasks', 'direct', 'text', 'q3');
    table.bind('other', 'direct', 'math', 'q4');
    assert.deepEqual(table.route('tasks', 'math'), ['q1', 'q2']);
    assert.deepEqual(table.route('tasks', 'text'), ['q3']);
    assert.deepEqual(table.route('tasks', 'math.add'), []);
  });

  test('an undeclared exchange routes nowhere; the warning names exchange and key', () => {
    assert.deepEqual(new ExchangeTable().route('ghost', 'celery'), []);
    const warning = unroutableWarning('ghost', 'celery');
    assert.match(warning, /'ghost'/);
    assert.match(warning, /'celery'/);
  });
});
