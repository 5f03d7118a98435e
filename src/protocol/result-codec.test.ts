import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadStoredResultFixtures } from '../../test/conformance/celery-result-fixtures.js';
import { CeleriacError, DecodeError } from '../errors.js';
import { decodeResultMeta, encodeResultMeta, formatDateDone, pendingResultMeta } from './result-codec.js';
import type { ResultMeta } from './result-meta.js';

const fixtures = loadStoredResultFixtures();

describe('result codec against the values Celery 5.2.6 stored', () => {
  test('the captures hold every kind of value', () => {
    const statuses = new Set(fixtures.map((f) => (JSON.parse(f.raw) as { status: string }).status));
    assert.deepEqual([...statuses].sort(), ['FAILURE', 'RETRY', 'REVOKED', 'STARTED', 'SUCCESS']);
    assert.ok(fixtures.some((f) => f.raw.includes('"group_id"')));
    assert.ok(fixtures.some((f) => f.raw.includes('"parent_id"')));
    assert.ok(fixtures.some((f) => f.raw.includes('"worker"')));
  });

  for (const fixture of fixtures) {
    test(`decode + encode keeps key order and values: ${fixture.where}`, () => {
      const encoded = encodeResultMeta(decodeResultMeta(fixture.taskId, fixture.raw));
      const original = JSON.parse(fixture.raw) as Record<string, unknown>;
      const again = JSON.parse(encoded) as Record<string, unknown>;
      assert.deepEqual(Object.keys(again), Object.keys(original));
      assert.deepEqual(again, original);
      // Same text as Celery's up to separators (`, ` / `: `), which JSON.stringify does not emit.
      assert.equal(encoded, JSON.stringify(original));
    });
  }

  test('decodes the fields of a result_extended FAILURE', () => {
    const raw = fixtures.find((f) => f.raw.includes('"worker"') && f.raw.includes('FAILURE'))?.raw;
    assert.ok(raw);
    const meta = decodeResultMeta('8a6a', raw);
    assert.equal(meta.taskId, '8a6a');
    assert.equal(meta.status, 'FAILURE');
    assert.deepEqual(meta.result, { exc_type: 'ValueError', exc_message: ['boom'], exc_module: 'builtins' });
    assert.match(meta.traceback ?? '', /^Traceback \(most recent call last\)/);
    assert.deepEqual(meta.extended, {
      name: 'tasks.fail',
      args: ['boom'],
      kwargs: {},
      worker: 'wire@vm',
      retries: 0,
      queue: 'celery',
    });
  });
});

describe('decodeResultMeta', () => {
  test('missing keys take their defaults; unknown keys are ignored', () => {
    assert.deepEqual(decodeResultMeta('t1', '{}'), pendingResultMeta('t1'));
    assert.deepEqual(decodeResultMeta('t1', '{"status": "SUCCESS", "result": 3, "future_key": 1}'), {
      taskId: 't1',
      status: 'SUCCESS',
      result: 3,
      traceback: null,
      children: [],
      dateDone: null,
    });
  });

  test('keeps a custom state (update_state(state="PROGRESS")) as stored', () => {
    const meta = decodeResultMeta('t1', '{"status": "PROGRESS", "result": {"done": 3, "total": 10}}');
    assert.equal(meta.status, 'PROGRESS');
    assert.deepEqual(meta.result, { done: 3, total: 10 });
  });

  test('the task id it is read under wins over a stored task_id', () => {
    assert.equal(decodeResultMeta('asked', '{"status": "SUCCESS", "task_id": "other"}').taskId, 'asked');
  });

  test('extended fields: any one present gives all six, missing ones null', () => {
    assert.deepEqual(decodeResultMeta('t1', '{"status": "SUCCESS", "name": "tasks.add"}').extended, {
      name: 'tasks.add',
      args: null,
      kwargs: null,
      worker: null,
      retries: null,
      queue: null,
    });
  });

  test('rejects text that is not a JSON object with DecodeError', () => {
    assert.throws(() => decodeResultMeta('t1', '{"status": '), DecodeError);
    assert.throws(() => decodeResultMeta('t1', '[1, 2]'), DecodeError);
    assert.throws(() => decodeResultMeta('t1', 'null'), DecodeError);
  });
});

describe('encodeResultMeta', () => {
  const base: ResultMeta = {
    taskId: 't1',
    status: 'SUCCESS',
    result: 5,
    traceback: null,
    children: [],
    dateDone: '2026-11-21T04:57:53.040347',
  };

  test("writes Celery's key order with every optional part", () => {
    const text = encodeResultMeta({
      ...base,
      groupId: 'g1',
      parentId: 'p1',
      extended: { name: 'tasks.add', args: [2, 3], kwargs: {}, worker: 'w@h', retries: 0, queue: 'celery' },
    });
    assert.deepEqual(Object.keys(JSON.parse(text) as object), [
      'status', 'result', 'traceback', 'children', 'date_done', 'group_id', 'parent_id',
      'name', 'args', 'kwargs', 'worker', 'retries', 'queue', 'task_id',
    ]);
  });

  test('omits empty group_id / parent_id and writes undefined as null', () => {
    const text = encodeResultMeta({ ...base, result: undefined, groupId: null, parentId: '' });
    assert.equal(
      text,
      '{"status":"SUCCESS","result":null,"traceback":null,"children":[],"date_done":"2026-11-21T04:57:53.040347","task_id":"t1"}',
    );
  });

  test('a result JSON cannot hold fails with ENCODE_ERROR', () => {
    assert.throws(
      () => encodeResultMeta({ ...base, result: { big: 1n } }),
      (error) => error instanceof CeleriacError && error.code === 'ENCODE_ERROR',
    );
  });
});

test("formatDateDone writes Python's naive utcnow().isoformat()", () => {
  assert.equal(formatDateDone(Date.UTC(2026, 10, 21, 4, 57, 53, 40)), '2026-11-21T04:57:53.040000');
  assert.equal(formatDateDone(Date.UTC(2026, 10, 21, 4, 57, 53, 0)), '2026-11-21T04:57:53');
});
