import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../errors.js';
import { formatDateDone, formatEtaHeader, formatKombuDate, parseCeleryDate } from './celery-date.js';

const T = Date.UTC(2026, 10, 21, 4, 42, 29, 264);

describe('formatting', () => {
  test('eta header: isoformat with +00:00 and microseconds', () => {
    assert.equal(formatEtaHeader(T), '2026-11-21T04:42:29.264000+00:00');
  });
  test('Python omits an all-zero fraction', () => {
    assert.equal(formatEtaHeader(Date.UTC(2030, 0, 1)), '2030-01-01T00:00:00+00:00');
    assert.equal(formatDateDone(Date.UTC(2030, 0, 1)), '2030-01-01T00:00:00');
  });
  test('date_done: naive UTC', () => {
    assert.equal(formatDateDone(T), '2026-11-21T04:42:29.264000');
  });
  test('kombu datetime in args: Z suffix', () => {
    assert.equal(formatKombuDate(new Date(T)), '2026-11-21T04:42:29.264000Z');
  });
});

describe('parseCeleryDate', () => {
  test('round trips', () => {
    for (const ms of [T, Date.UTC(2030, 0, 1), Date.UTC(1999, 11, 31, 23, 59, 59, 999), 0]) {
      assert.equal(parseCeleryDate(formatEtaHeader(ms)), ms);
      assert.equal(parseCeleryDate(formatDateDone(ms)), ms);
      assert.equal(parseCeleryDate(formatKombuDate(new Date(ms))), ms);
    }
  });
  test('captured forms', () => {
    assert.equal(parseCeleryDate('2026-11-21T04:42:29.264339+00:00'), T);
    assert.equal(parseCeleryDate('2024-05-06T07:08:09.123456Z'), Date.UTC(2024, 4, 6, 7, 8, 9, 123));
    assert.equal(parseCeleryDate('2024-01-01T00:00:00+02:00'), Date.UTC(2023, 11, 31, 22));
    assert.equal(parseCeleryDate('2030-01-02T03:04:05'), Date.UTC(2030, 0, 2, 3, 4, 5));
  });
  test('offsets', () => {
    assert.equal(parseCeleryDate('2030-01-02T03:04:05-05:30'), Date.UTC(2030, 0, 2, 8, 34, 5));
    assert.equal(parseCeleryDate('2030-01-02T03:04:05+0100'), Date.UTC(2030, 0, 2, 2, 4, 5));
    assert.equal(parseCeleryDate('2030-01-02T03:04:05+01'), Date.UTC(2030, 0, 2, 2, 4, 5));
    assert.equal(parseCeleryDate('2030-01-02T03:04:05z'), Date.UTC(2030, 0, 2, 3, 4, 5));
  });
  test('naive texts use the given offset; explicit offsets ignore it', () => {
    assert.equal(parseCeleryDate('2030-01-02T03:04:05', 120), Date.UTC(2030, 0, 2, 1, 4, 5));
    assert.equal(parseCeleryDate('2030-01-02T03:04:05', -60), Date.UTC(2030, 0, 2, 4, 4, 5));
    assert.equal(parseCeleryDate('2030-01-02T03:04:05Z', 120), Date.UTC(2030, 0, 2, 3, 4, 5));
  });
  test('fractions of 1 to 9 digits, space separator, date only, no seconds', () => {
    assert.equal(parseCeleryDate('2030-01-02T03:04:05.5'), Date.UTC(2030, 0, 2, 3, 4, 5, 500));
    assert.equal(parseCeleryDate('2030-01-02T03:04:05.12'), Date.UTC(2030, 0, 2, 3, 4, 5, 120));
    assert.equal(parseCeleryDate('2030-01-02T03:04:05.123456789'), Date.UTC(2030, 0, 2, 3, 4, 5, 123));
    assert.equal(parseCeleryDate('2030-01-02 03:04:05'), Date.UTC(2030, 0, 2, 3, 4, 5));
    assert.equal(parseCeleryDate('2030-01-02'), Date.UTC(2030, 0, 2));
    assert.equal(parseCeleryDate('2030-01-02T03:04'), Date.UTC(2030, 0, 2, 3, 4));
  });
  test('invalid texts throw DecodeError', () => {
    for (const bad of ['', 'tomorrow', '2030-13-01T00:00:00', '2030-02-30T00:00:00', '2030-01-01T24:00:00', '2030-01-01T00:00:00+xx']) {
      assert.throws(() => parseCeleryDate(bad), DecodeError, bad);
    }
  });
});
