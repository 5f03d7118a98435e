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

describe('ExchangeTable topic and fanout', () => {
  test("a topic exchange matches kombu's word patterns, each queue once", () => {
    const table = new ExchangeTable();
    table.bind('news', 'topic', 'usa.#', 'usa');
    table.bind('news', 'topic', '*.weather', 'weather');
    table.bind('news', 'topic', 'usa.weather', 'usa'); // a second binding of the same queue
    table.bind('news', 'topic', 'hackfun#workerQueue@webhook', 'literal');
    assert.deepEqual(table.route('news', 'usa.weather'), ['usa', 'weather']);
    assert.deepEqual(table.route('news', 'usa.sports.today'), ['usa']);
    assert.deepEqual(table.route('news', 'europe.weather'), ['weather']);
    assert.deepEqual(table.route('news', 'usa'), []); // kombu's '#' needs the dot
    assert.deepEqual(table.route('news', 'hackfun#workerQueue@webhook'), ['literal']);
    assert.deepEqual(table.route('news', 'hackfunXworkerQueue@webhook'), []);
  });

  test('a fanout exchange reaches every bound queue whatever the key; the first declared type stays', () => {
    const table = new ExchangeTable();
    assert.equal(table.bind('bcast', 'fanout', 'a', 'q1'), true);
    assert.equal(table.bind('bcast', 'fanout', 'b', 'q1'), false);
    table.bind('bcast', 'fanout', '', 'q2');
    assert.deepEqual(table.route('bcast', 'anything'), ['q1', 'q2']);
    assert.equal(table.declare('bcast', 'direct'), false);
    assert.equal(table.typeOf('bcast'), 'fanout');
    assert.equal(table.typeOf('ghost'), undefined);
  });
});
