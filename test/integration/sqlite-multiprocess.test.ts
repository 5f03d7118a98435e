// The sqlite transport shared by processes on one host: exactly-once delivery under
// competition, and a killed consumer's unacked messages coming back at once.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SqliteTransport } from '../../src/transports/sqlite/sqlite-transport.js';
import type { Delivery } from '../../src/transports/transport.js';

const CHILD = fileURLToPath(new URL('./sqlite-consumer-child.ts', import.meta.url));

interface ChildEvent {
  ready?: boolean;
  got?: string;
  redelivered?: boolean;
  stopped?: boolean;
}

/** A consumer child process and the events it printed. */
class Child {
  readonly events: ChildEvent[] = [];
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
  #listeners: (() => void)[] = [];

  constructor(path: string, queue: string, prefetch: number, mode: 'ack' | 'hold') {
    this.process = spawn(process.execPath, ['--import', 'tsx', CHILD, path, queue, String(prefetch), mode], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    createInterface({ input: this.process.stdout! }).on('line', (line) => {
      this.events.push(JSON.parse(line) as ChildEvent);
      for (const listener of this.#listeners) listener();
    });
    this.exited = new Promise((resolve) => this.process.once('exit', (code) => resolve(code)));
  }

  get received(): string[] {
    return this.events.flatMap((e) => (e.got === undefined ? [] : [e.got]));
  }

  /** Resolves once `predicate` holds for the events so far. */
  until(predicate: (child: Child) => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (!predicate(this)) return;
        this.#listeners = this.#listeners.filter((l) => l !== check);
        resolve();
      };
      this.#listeners.push(check);
      check();
    });
  }

  ready(): Promise<void> {
    return this.until((c) => c.events.some((e) => e.ready === true));
  }

  async stop(): Promise<void> {
    this.process.stdin!.write('stop\n');
    assert.equal(await this.exited, 0);
  }
}

function message(tag: string) {
  return {
    body: Buffer.from(JSON.stringify([[tag], {}, {}])),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: { id: tag },
    properties: { delivery_mode: 2 },
  };
}

describe('sqlite transport across processes', () => {
  let dir: string;
  let path: string;
  const children: Child[] = [];
  const transports: SqliteTransport[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'celeriac-multiprocess-'));
    path = join(dir, 'broker.db');
  });
  afterEach(async () => {
    for (const child of children.splice(0)) child.process.kill('SIGKILL');
    for (const transport of transports.splice(0)) await transport.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a killed consumer's unacked messages are redelivered to a live one", { timeout: 30_000 }, async () => {
    const parent = new SqliteTransport({ path, reapIntervalMs: 100 });
    transports.push(parent);
    await parent.start();
    const tags = ['k0', 'k1', 'k2', 'k3', 'k4'];
    await Promise.all(tags.map((tag) => parent.publish(message(tag), { exchange: '', routingKey: 'dying' })));

    const child = new Child(path, 'dying', 10, 'hold');
    children.push(child);
    await child.until((c) => c.received.length === tags.length);
    assert.equal(await parent.size('dying'), 0); // all leased by the child

    const got: Delivery[] = [];
    let allBack!: () => void;
    const back = new Promise<void>((resolve) => (allBack = resolve));
    const consuming = new AbortController();
    await parent.consume({
      queues: ['dying'],
      prefetch: 10,
      signal: consuming.signal,
      onMessage(delivery) {
        got.push(delivery);
        void delivery.ack();
        if (got.length === tags.length) allBack();
      },
    });
    child.process.kill('SIGKILL');
    await child.exited;
    await back;
    consuming.abort();
    assert.deepEqual(got.map((d) => d.message.headers.id), tags);
    assert.ok(got.every((d) => d.redelivered));
  });

  test('three competing processes take 2,000 messages, each exactly once', { timeout: 60_000 }, async (t) => {
    const parent = new SqliteTransport({ path });
    transports.push(parent);
    await parent.start();
    const others = [new Child(path, 'race', 10, 'ack'), new Child(path, 'race', 10, 'ack')];
    children.push(...others);
    await Promise.all(others.map((c) => c.ready()));

    const total = 2_000;
    const mine: string[] = [];
    const received = (): number => mine.length + others.reduce((n, c) => n + c.received.length, 0);
    let allReceived!: () => void;
    const done = new Promise<void>((resolve) => (allReceived = resolve));
    for (const child of others) void child.until(() => received() >= total).then(allReceived);
    const consuming = new AbortController();
    await parent.consume({
      queues: ['race'],
      prefetch: 10,
      signal: consuming.signal,
      onMessage(delivery) {
        mine.push(String(delivery.message.headers.id));
        void delivery.ack();
        if (received() >= total) allReceived();
      },
    });

    // In small batches, so consumers in every process are woken many times.
    for (let batch = 0; batch < total / 100; batch++) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          parent.publish(message(`r${batch * 100 + i}`), { exchange: '', routingKey: 'race' }),
        ),
      );
    }
    await done;
    consuming.abort();
    await Promise.all(others.map((c) => c.stop()));

    const all = [...mine, ...others.flatMap((c) => c.received)];
    t.diagnostic(`parent ${mine.length}, children ${others.map((c) => c.received.length).join(' + ')}`);
    assert.equal(all.length, total, 'no message delivered twice');
    assert.equal(new Set(all).size, total, 'every message delivered');
    assert.equal(await parent.size('race'), 0);
  });
});
