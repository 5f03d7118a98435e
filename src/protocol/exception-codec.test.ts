import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runInNewContext } from 'node:vm';
import { NotRegisteredError, TaskFailedError, TaskRevokedError } from '../errors.js';
import {
  CELERIAC_EXC_MODULE,
  deserializeError,
  formatTraceback,
  isSerializedException,
  serializeError,
} from './exception-codec.js';

describe('serializeError', () => {
  test('a plain Error keeps its JS name in a module Python will not find', () => {
    assert.deepEqual(serializeError(new Error('boom')), {
      exc_type: 'Error',
      exc_message: ['boom'],
      exc_module: CELERIAC_EXC_MODULE,
    });
  });

  test('only JS names that are Python builtins with the same meaning map to builtins', () => {
    assert.equal(serializeError(new TypeError('x')).exc_module, 'builtins');
    assert.equal(serializeError(new SyntaxError('x')).exc_module, 'builtins');
    for (const err of [new RangeError('x'), new ReferenceError('x'), new EvalError('x'), new URIError('x')]) {
      assert.deepEqual(serializeError(err), { exc_type: err.name, exc_message: ['x'], exc_module: CELERIAC_EXC_MODULE });
    }
  });

  test('a subclass is named after its class, or its own name', () => {
    class QuotaExceeded extends Error {}
    class Named extends Error {
      override name = 'PaymentDeclined';
    }
    assert.equal(serializeError(new QuotaExceeded('over')).exc_type, 'QuotaExceeded');
    assert.equal(serializeError(new Named('no')).exc_type, 'PaymentDeclined');
  });

  test('an args array is the exc_message (Python exc.args), made JSON-safe', () => {
    class CustomError extends Error {
      constructor(readonly args: unknown[]) {
        super(String(args[0]));
      }
    }
    assert.deepEqual(serializeError(new CustomError(['custom boom', 42])).exc_message, ['custom boom', 42]);
    const [big, fn, inner, nan, ok] = serializeError(new CustomError([10n, () => 1, new Error('inner'), NaN, { a: [1] }])).exc_message;
    assert.equal(big, '10n');
    assert.equal(typeof fn, 'string');
    assert.equal(inner, 'Error: inner');
    assert.equal(nan, 'NaN');
    assert.deepEqual(ok, { a: [1] });
  });

  test('an empty message gives no arguments, as Python\'s ValueError() has none', () => {
    assert.deepEqual(serializeError(new Error()).exc_message, []);
  });

  test('an excModule property picks the Python module (to raise a real ValueError in Python)', () => {
    const err = Object.assign(new Error('bad value'), { name: 'ValueError', excModule: 'builtins' });
    assert.deepEqual(serializeError(err), { exc_type: 'ValueError', exc_message: ['bad value'], exc_module: 'builtins' });
  });

  test('non-errors become Error with the value as argument', () => {
    assert.deepEqual(serializeError('boom'), { exc_type: 'Error', exc_message: ['boom'], exc_module: CELERIAC_EXC_MODULE });
    assert.deepEqual(serializeError({ code: 7 }).exc_message, [{ code: 7 }]);
    assert.deepEqual(serializeError(undefined).exc_message, []);
    assert.deepEqual(serializeError(3).exc_message, [3]);
  });

  test('an error from another realm (vm context) is still an error', () => {
    const foreign: unknown = runInNewContext('new TypeError("from vm")');
    assert.deepEqual(serializeError(foreign), { exc_type: 'TypeError', exc_message: ['from vm'], exc_module: 'builtins' });
  });

  test("celeriac's mirrors of Celery exceptions keep Celery's form", () => {
    assert.deepEqual(serializeError(new TaskRevokedError('t1', 'terminated')), {
      exc_type: 'TaskRevokedError',
      exc_message: ['terminated'],
      exc_module: 'celery.exceptions',
    });
    assert.deepEqual(serializeError(new NotRegisteredError('remote.only.task')), {
      exc_type: 'NotRegistered',
      exc_message: ['remote.only.task'],
      exc_module: 'celery.exceptions',
    });
  });

  test('an exception read back from a backend re-serializes to its original triple', () => {
    const stored = { exc_type: 'CustomError', exc_message: ['custom boom', 42], exc_module: 'wireapp' };
    assert.deepEqual(serializeError(deserializeError(stored, 't1', null)), stored);
  });
});

describe('formatTraceback', () => {
  test('is the JS stack, with the cause chain appended', () => {
    const root = new Error('disk full');
    const err = new Error('cannot save', { cause: root });
    const text = formatTraceback(err);
    assert.ok(text.startsWith('Error: cannot save\n    at '), text);
    assert.match(text, /\nCaused by: Error: disk full\n {4}at /);
  });

  test('describes a non-error throwable', () => {
    assert.equal(formatTraceback('boom'), 'Error: boom');
    assert.equal(formatTraceback({ code: 7 }), 'Error: { code: 7 }');
  });
});

describe('deserializeError', () => {
  test('a Python ValueError becomes a TaskFailedError carrying Celery\'s triple', () => {
    const err = deserializeError({ exc_type: 'ValueError', exc_message: ['boom'], exc_module: 'builtins' }, 't1', 'Traceback ...');
    assert.ok(err instanceof TaskFailedError);
    assert.equal(err.code, 'TASK_FAILED');
    assert.equal(err.taskId, 't1');
    assert.equal(err.excType, 'ValueError');
    assert.deepEqual(err.excMessage, ['boom']);
    assert.equal(err.excModule, 'builtins');
    assert.equal(err.remoteTraceback, 'Traceback ...');
    assert.equal(err.message, 'ValueError("boom")');
  });

  test("Celery's TaskRevokedError becomes TaskRevokedError with its reason", () => {
    const err = deserializeError({ exc_type: 'TaskRevokedError', exc_message: ['expired'], exc_module: 'celery.exceptions' }, 't1', null);
    assert.ok(err instanceof TaskRevokedError);
    assert.equal(err.reason, 'expired');
    const noReason = deserializeError({ exc_type: 'TaskRevokedError', exc_message: [], exc_module: 'celery.exceptions' }, 't1', null);
    assert.equal((noReason as TaskRevokedError).reason, 'revoked');
  });

  test('tolerates loosely written values', () => {
    const loose = deserializeError({ exc_type: 'KeyError', exc_message: 'k' as unknown as unknown[], exc_module: 'builtins' }, 't1', null);
    assert.deepEqual((loose as TaskFailedError).excMessage, ['k']);
    const bare = deserializeError({ exc_type: 'Oops' } as never, 't1', null) as TaskFailedError;
    assert.deepEqual(bare.excMessage, []);
    assert.equal(bare.excModule, undefined);
  });
});

test('isSerializedException recognises the stored shape', () => {
  assert.equal(isSerializedException(serializeError(new Error('x'))), true);
  assert.equal(isSerializedException({ pid: 1, hostname: 'w' }), false);
  assert.equal(isSerializedException(null), false);
});
