import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../internal/logger.js';
import { AppSignals, CELERY_SIGNAL_NAMES } from './app-signals.js';
import { Signal } from './signal.js';

interface P {
  sender: string;
  n: number;
}

function signal(): { s: Signal<P>; errors: unknown[] } {
  const errors: unknown[] = [];
  return { s: new Signal<P>('test_signal', (err) => errors.push(err)), errors };
}

test('handlers get the payload in connection order; disconnect stops them', () => {
  const { s } = signal();
  const seen: string[] = [];
  assert.equal(s.connected, false);
  const offA = s.connect((p) => void seen.push(`a${p.n}`));
  const b = (p: P) => void seen.push(`b${p.n}`);
  s.connect(b);
  s.connect(b); // the same handler twice is one connection, as in Celery
  assert.equal(s.connected, true);
  s.send({ sender: 'x', n: 1 });
  offA();
  assert.equal(s.disconnect(b), true);
  assert.equal(s.disconnect(b), false);
  s.send({ sender: 'x', n: 2 });
  assert.deepEqual(seen, ['a1', 'b1']);
  assert.equal(s.connected, false);
});

test('a sender filter only lets matching payloads through', () => {
  const { s } = signal();
  const seen: number[] = [];
  s.connect((p) => void seen.push(p.n), { sender: 'tasks.add' });
  s.send({ sender: 'tasks.mul', n: 1 });
  s.send({ sender: 'tasks.add', n: 2 });
  assert.deepEqual(seen, [2]);
});

test('a throwing or rejecting handler is reported and the others still run', async () => {
  const { s, errors } = signal();
  const seen: number[] = [];
  s.connect(() => {
    throw new Error('sync boom');
  });
  s.connect(async () => {
    throw new Error('async boom');
  });
  s.connect((p) => void seen.push(p.n));
  assert.doesNotThrow(() => s.send({ sender: 'x', n: 1 }));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, [1]);
  assert.deepEqual(errors.map((e) => (e as Error).message).sort(), ['async boom', 'sync boom']);
});

test('sendAndWait waits for async handlers and never rejects', async () => {
  const { s, errors } = signal();
  let flushed = false;
  s.connect(async () => {
    await new Promise((r) => setImmediate(r));
    flushed = true;
  });
  s.connect(async () => Promise.reject(new Error('no')));
  await s.sendAndWait({ sender: 'x', n: 1 });
  assert.equal(flushed, true);
  assert.equal(errors.length, 1);
});

test('a handler connecting during send does not run in that send', () => {
  const { s } = signal();
  let late = 0;
  s.connect(() => void s.connect(() => void late++));
  s.send({ sender: 'x', n: 1 });
  assert.equal(late, 0);
  s.send({ sender: 'x', n: 2 });
  assert.equal(late, 1);
});

test("every signal is reachable by Celery's name", () => {
  const signals = new AppSignals(() => silentLogger());
  for (const [celery, key] of Object.entries(CELERY_SIGNAL_NAMES)) {
    const byName = signals.get(celery as keyof typeof CELERY_SIGNAL_NAMES);
    assert.equal(byName, signals[key]);
    assert.equal(byName.name, celery);
  }
});
