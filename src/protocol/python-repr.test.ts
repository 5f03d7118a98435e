import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { argsRepr, kwargsRepr, pythonRepr } from './python-repr.js';

interface Case {
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  maxLen: number;
  expected: string;
}
// Expected strings come from Celery 5.2.6's own saferepr (see "source" in the file).
const { cases } = JSON.parse(
  readFileSync(new URL('../../test/protocol/saferepr-cases.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

describe('argsRepr / kwargsRepr match Celery saferepr', () => {
  for (const c of cases) {
    const input = c.args ?? c.kwargs;
    test(`${JSON.stringify(input).slice(0, 60)} maxLen=${c.maxLen}`, () => {
      const got = c.args !== undefined ? argsRepr(c.args, c.maxLen) : kwargsRepr(c.kwargs ?? {}, c.maxLen);
      assert.equal(got, c.expected);
    });
  }
});

describe('pythonRepr', () => {
  test('tuples only at the top of args; lists elsewhere', () => {
    assert.equal(argsRepr([]), '()');
    assert.equal(argsRepr([1]), '(1,)');
    assert.equal(argsRepr([[1]]), '([1],)');
    assert.equal(pythonRepr([1, 2]), '[1, 2]');
  });

  test('scalars', () => {
    assert.equal(pythonRepr(true), 'True');
    assert.equal(pythonRepr(null), 'None');
    assert.equal(pythonRepr(undefined), 'None');
    assert.equal(pythonRepr(3), '3'); // JS cannot tell 3.0 from 3
    assert.equal(pythonRepr(1e21), '1000000000000000000000');
    assert.equal(pythonRepr(0.1), '0.1');
    assert.equal(pythonRepr(1e-5), '1e-05');
    assert.equal(pythonRepr(1.5e-300), '1.5e-300');
    assert.equal(pythonRepr(-0.000123), '-0.000123');
    assert.equal(pythonRepr(Number.NaN), 'nan');
    assert.equal(pythonRepr(-Infinity), '-inf');
    assert.equal(pythonRepr(2n ** 70n), '1180591620717411303424');
    assert.equal(pythonRepr("it's"), "'it\\'s'");
  });

  test('a Date shows as the text a Python peer receives', () => {
    assert.equal(pythonRepr(new Date(Date.UTC(2024, 4, 6, 7, 8, 9, 123))), "'2024-05-06T07:08:09.123000Z'");
  });

  test('truncation keeps surrogate pairs whole', () => {
    const out = pythonRepr('😀'.repeat(10), 5);
    assert.ok(!/[\ud800-\udbff]\.\.\./.test(out), out);
  });
});
