/**
 * The transport seam's conformance suite (DESIGN.md "one conformance suite per seam"): every
 * Transport implementation runs it through a small fixture. A change of behaviour changes this
 * suite first.
 */
import assert from 'node:assert/strict';
import { describe, test as nodeTest } from 'node:test';
import type { TransportMessage } from '../../src/protocol/transport-message.js';
import type { Delivery, Transport, TransportLogger } from '../../src/transports/transport.js';

/** One broker under test. */
export interface TransportFixture {
  /**
   * A client of this fixture's broker, not started. Transports that live in one process
   * (memory) return the same instance every time — it *is* the broker.
   */
  open(options?: { logger?: TransportLogger }): Transport;
  /** Removes the broker's storage; called after every case. */
  dispose(): Promise<void>;
}

const CASE = { timeout: 15_000 };

/** Lets everything already scheduled in this process run (no wall-clock sleep). */
export async function settle(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A task-like message; `tag` goes in the body and in a header. */
export function message(tag: string, properties: TransportMessage['properties'] = {}): TransportMessage {
  return {
    body: Buffer.from(JSON.stringify([[tag], {}, {}])),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: { lang: 'py', task: 'tests.add', id: tag },
    properties: { correlation_id: tag, delivery_mode: 2, ...properties },
  };
}

/** The tag a {@link message} was made with. */
export function tagOf(delivery: Delivery): string {
  return String(delivery.message.headers.id);
}

/** Records deliveries of one consume() and lets a test await the n-th. */
export class Collector {
  readonly deliveries: Delivery[] = [];
  readonly controller = new AbortController();
  #waiters: { count: number; resolve: () => void }[] = [];

  constructor(private readonly onEach?: (delivery: Delivery) => void) {}

  readonly onMessage = (delivery: Delivery): void => {
    this.deliveries.push(delivery);
    this.onEach?.(delivery);
    this.#waiters = this.#waiters.filter((w) => {
      if (this.deliveries.length < w.count) return true;
      w.resolve();
      return false;
    });
  };

  consume(transport: Transport, queues: string[], prefetch: number): Promise<void> {
    return transport.consume({ queues, prefetch, signal: this.controller.signal, onMessage: this.onMessage });
  }

  /** Resolves once `count` deliveries arrived in total. */
  async waitFor(count: number): Promise<Delivery[]> {
    if (this.deliveries.length < count) {
      await new Promise<void>((resolve) => this.#waiters.push({ count, resolve }));
    }
    return this.deliveries;
  }

  tags(): string[] {
    return this.deliveries.map(tagOf);
  }
}

/** A logger that keeps what it is told. */
export function recordingLogger(): TransportLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, warn: (m) => warnings.push(m) };
}

async function publishAll(transport: Transport, queue: string, tags: string[]): Promise<void> {
  await Promise.all(tags.map((tag) => transport.publish(message(tag), { exchange: '', routingKey: queue })));
}

function range(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

/**
 * Opens a new client of the fixture's broker, checks `queue` holds `count` ready messages and
 * takes them all (acking each); returns `[tag, redelivered]` of each in delivery order.
 */
async function drainAfterRestart(fixture: TransportFixture, queue: string, count: number): Promise<Array<[string, boolean]>> {
  const again = fixture.open();
  await again.start();
  try {
    assert.equal(await again.size(queue), count);
    const after = new Collector((d) => void d.ack());
    await after.consume(again, [queue], 0);
    const got = await after.waitFor(count);
    return got.map((d) => [tagOf(d), d.redelivered]);
  } finally {
    await again.stop();
  }
}

/** Per-implementation adjustments of the suite. */
export interface ConformanceOptions {
  /**
   * Cases this implementation cannot pass, by exact case name, each with the written reason
   * (DESIGN.md: "an implementation that cannot pass a case skips it with a written reason").
   */
  skip?: Readonly<Record<string, string>>;
}

export function transportConformance(
  name: string,
  makeFixture: () => TransportFixture | Promise<TransportFixture>,
  conformance: ConformanceOptions = {},
): void {
  const skips = conformance.skip ?? {};
  const test = (caseName: string, options: { timeout: number }, body: () => Promise<void>): void => {
    const reason = Object.hasOwn(skips, caseName) ? skips[caseName] : undefined;
    nodeTest(caseName, reason === undefined ? options : { ...options, skip: reason }, body);
  };

  /** Runs a case on a started transport of a fresh fixture, and cleans up whatever happens. */
  async function withTransport(
    body: (transport: Transport, fixture: TransportFixture) => Promise<void>,
    options?: { logger?: TransportLogger },
  ): Promise<void> {
    const fixture = await makeFixture();
    const transport = fixture.open(options);
    await transport.start();
    try {
      await body(transport, fixture);
    } finally {
      await transport.stop();
      await fixture.dispose();
    }
  }

  describe(`transport conformance: ${name}`, () => {
    test('a message round-trips with body, headers and properties intact', CASE, () =>
      withTransport(async (t) => {
        const sent: TransportMessage = {
          body: Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
          contentType: 'application/x-msgpack',
          contentEncoding: 'binary',
          headers: {
            lang: 'py',
            task: 'proj.tasks.add',
            id: 'f3b2a1c0',
            shadow: null,
            eta: null,
            retries: 0,
            timelimit: [null, 30.5],
            root_id: 'f3b2a1c0',
            argsrepr: '(2, 2)',
            nested: { 'ünïcode ✓': [1, 'two', { three: true }] },
          },
          properties: {
            correlation_id: 'f3b2a1c0',
            reply_to: '0b7c5b8e-1f1a-3b6e-9d2e-1c2b3a4d5e6f',
            delivery_mode: 2,
            priority: 3,
            expiration: '60000',
            body_encoding: 'base64',
          },
        };
        const collector = new Collector();
        await collector.consume(t, ['roundtrip'], 1);
        await t.publish(sent, { exchange: '', routingKey: 'roundtrip' });
        const [got] = await collector.waitFor(1);
        assert.ok(got);
        assert.ok(Buffer.isBuffer(got.message.body));
        assert.ok(Buffer.from(got.message.body).equals(sent.body));
        assert.equal(got.message.contentType, sent.contentType);
        assert.equal(got.message.contentEncoding, sent.contentEncoding);
        assert.deepEqual(got.message.headers, sent.headers);
        assert.deepEqual(got.message.properties, sent.properties);
        // Celery's header order is part of the wire; it must survive storage.
        assert.equal(JSON.stringify(got.message.headers), JSON.stringify(sent.headers));
        assert.equal(JSON.stringify(got.message.properties), JSON.stringify(sent.properties));
        assert.equal(got.queue, 'roundtrip');
        assert.equal(got.exchange, '');
        assert.equal(got.routingKey, 'roundtrip');
        assert.equal(got.redelivered, false);
        assert.equal(typeof got.deliveryTag, 'string');
        assert.notEqual(got.deliveryTag, '');
        await got.ack();
      }),
    );

    test('messages of one priority come out in publish order (FIFO)', CASE, () =>
      withTransport(async (t) => {
        const tags = range('m', 100);
        for (const tag of tags) await t.publish(message(tag), { exchange: '', routingKey: 'fifo' });
        const collector = new Collector((d) => void d.ack());
        await collector.consume(t, ['fifo'], 7);
        await collector.waitFor(100);
        assert.deepEqual(collector.tags(), tags);
      }),
    );

    test('lower priority numbers are served first, FIFO within a priority', CASE, () =>
      withTransport(async (t) => {
        const priorities = [5, 0, 9, 3, 0, 9, 5, 1, undefined, 3];
        for (const [i, priority] of priorities.entries()) {
          const properties = priority === undefined ? {} : { priority };
          await t.publish(message(`p${i}`, properties), { exchange: '', routingKey: 'prio' });
        }
        const collector = new Collector((d) => void d.ack());
        await collector.consume(t, ['prio'], 0);
        await collector.waitFor(priorities.length);
        const expected = priorities
          .map((p, i) => ({ p: p ?? 0, tag: `p${i}` }))
          .sort((a, b) => a.p - b.p)
          .map((x) => x.tag);
        assert.deepEqual(collector.tags(), expected);
      }),
    );

    test('one consumer takes from several queues, round-robin', CASE, () =>
      withTransport(async (t) => {
        await publishAll(t, 'qa', range('a', 3));
        await publishAll(t, 'qb', range('b', 3));
        const collector = new Collector((d) => void d.ack());
        await collector.consume(t, ['qa', 'qb'], 1);
        const got = await collector.waitFor(6);
        assert.deepEqual(collector.tags(), ['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
        assert.deepEqual(
          got.map((d) => d.queue),
          ['qa', 'qb', 'qa', 'qb', 'qa', 'qb'],
        );
        assert.equal(await t.size('qa'), 0);
        assert.equal(await t.size('qb'), 0);
      }),
    );

    test('prefetch caps the unacked deliveries; acking lets more through', CASE, () =>
      withTransport(async (t) => {
        await publishAll(t, 'qos', range('q', 10));
        let outstanding = 0;
        let maxOutstanding = 0;
        const collector = new Collector(() => {
          outstanding++;
          maxOutstanding = Math.max(maxOutstanding, outstanding);
        });
        await collector.consume(t, ['qos'], 3);
        await collector.waitFor(3);
        await settle();
        assert.equal(collector.deliveries.length, 3);
        assert.equal(await t.size('qos'), 7);
        for (let acked = 0; acked < 10; acked++) {
          outstanding--;
          await collector.deliveries[acked]!.ack();
          if (acked + 3 < 10) await collector.waitFor(acked + 4);
        }
        await settle();
        assert.equal(collector.deliveries.length, 10);
        assert.equal(maxOutstanding, 3);
        assert.deepEqual(collector.tags(), range('q', 10));
      }),
    );

    test('a delivery taken out of prefetch frees its slot and stays unacked; counted again, it fills the window', CASE, () =>
      withTransport(async (t, fixture) => {
        // h* are held for later (a worker's ETA tasks), p* are due now.
        await publishAll(t, 'eta', ['h0', 'h1', 'p0', 'p1', 'p2']);
        const collector = new Collector((d) => {
          if (tagOf(d).startsWith('h')) d.countTowardPrefetch(false);
        });
        await collector.consume(t, ['eta'], 2);
        const got = await collector.waitFor(4);
        await settle();
        assert.deepEqual(collector.tags(), ['h0', 'h1', 'p0', 'p1'], 'the held ones leave the window to p0 and p1');
        assert.equal(await t.size('eta'), 1);
        const [h0, h1, p0, p1] = got as [Delivery, Delivery, Delivery, Delivery];
        h0.countTowardPrefetch(true); // 3 in a window of 2: the next ack frees no slot
        await p0.ack();
        await settle();
        assert.equal(collector.deliveries.length, 4);
        await p1.ack();
        const p2 = (await collector.waitFor(5))[4]!;
        assert.equal(tagOf(p2), 'p2');
        await publishAll(t, 'eta', ['p3']);
        await settle();
        assert.equal(await t.size('eta'), 1, 'h0 and p2 fill the window');
        await h0.ack();
        const p3 = (await collector.waitFor(6))[5]!;
        assert.equal(tagOf(p3), 'p3');
        await publishAll(t, 'eta', ['p4']);
        h1.countTowardPrefetch(false); // already out: no slot to give
        await settle();
        assert.equal(await t.size('eta'), 1, 'p2 and p3 fill the window');
        // h1 is still unacked: stop() gives it back like any other delivery.
        await t.stop();
        assert.deepEqual(await drainAfterRestart(fixture, 'eta', 4), [
          ['h1', true],
          ['p2', true],
          ['p3', true],
          ['p4', false],
        ]);
      }),
    );

    test('an acked message is gone, also after a restart', CASE, () =>
      withTransport(async (t, fixture) => {
        await publishAll(t, 'acked', ['x', 'y']);
        const collector = new Collector();
        await collector.consume(t, ['acked'], 0);
        const got = await collector.waitFor(2);
        await Promise.all(got.map((d) => d.ack()));
        // A second settle of the same delivery is a no-op.
        await got[0]!.ack();
        await got[1]!.reject({ requeue: true });
        collector.controller.abort();
        assert.equal(await t.size('acked'), 0);
        await t.stop();
        const again = fixture.open();
        await again.start();
        assert.equal(await again.size('acked'), 0);
        await again.stop();
      }),
    );

    test('reject with requeue delivers the message again, marked redelivered', CASE, () =>
      withTransport(async (t) => {
        await publishAll(t, 'requeue', ['once']);
        let first = true;
        const collector = new Collector((d) => {
          if (first) {
            first = false;
            void d.reject({ requeue: true });
          } else {
            void d.ack();
          }
        });
        await collector.consume(t, ['requeue'], 1);
        const [a, b] = await collector.waitFor(2);
        assert.equal(tagOf(a!), 'once');
        assert.equal(a!.redelivered, false);
        assert.equal(tagOf(b!), 'once');
        assert.equal(b!.redelivered, true);
        assert.deepEqual(b!.message.headers, a!.message.headers);
        await settle();
        assert.equal(collector.deliveries.length, 2);
      }),
    );

    test('reject without requeue drops the message', CASE, () =>
      withTransport(async (t, fixture) => {
        await publishAll(t, 'drop', ['bad', 'good']);
        const collector = new Collector();
        await collector.consume(t, ['drop'], 0);
        const [bad, good] = await collector.waitFor(2);
        await bad!.reject({ requeue: false });
        await good!.ack();
        await settle();
        assert.equal(collector.deliveries.length, 2);
        assert.equal(await t.size('drop'), 0);
        assert.deepEqual(await t.listDeadLetters(), []);
        await t.stop();
        const again = fixture.open();
        await again.start();
        assert.equal(await again.size('drop'), 0);
        await again.stop();
      }),
    );

    test('stop() gives unacked messages back; settling them afterwards fails', CASE, () =>
      withTransport(async (t, fixture) => {
        await publishAll(t, 'warm', range('w', 5));
        const collector = new Collector();
        await collector.consume(t, ['warm'], 3);
        const held = await collector.waitFor(3);
        collector.controller.abort(); // so the ack below frees no slot for w3
        await held[0]!.ack();
        await t.stop();
        await assert.rejects(held[1]!.ack(), { code: 'TRANSPORT_CLOSED' });
        assert.deepEqual(await drainAfterRestart(fixture, 'warm', 4), [
          ['w1', true],
          ['w2', true],
          ['w3', false],
          ['w4', false],
        ]);
      }),
    );

    test('purge removes ready messages only; size counts ready messages', CASE, () =>
      withTransport(async (t) => {
        assert.equal(await t.size('purged'), 0);
        await publishAll(t, 'purged', range('p', 5));
        await publishAll(t, 'other', ['o']);
        assert.equal(await t.size('purged'), 5);
        const collector = new Collector();
        await collector.consume(t, ['purged'], 2);
        const held = await collector.waitFor(2);
        assert.equal(await t.size('purged'), 3);
        assert.equal(await t.purge('purged'), 3);
        assert.equal(await t.size('purged'), 0);
        assert.equal(await t.size('other'), 1);
        collector.controller.abort(); // or the requeued message would be taken again
        await held[0]!.reject({ requeue: true });
        await held[1]!.ack();
        assert.equal(await t.size('purged'), 1);
        assert.equal(await t.purge('never-declared'), 0);
      }),
    );

    test('a direct exchange routes by binding key to every bound queue', CASE, () =>
      withTransport(async (t) => {
        await t.declareQueue({ name: 'd1', exchange: 'tasks', routingKey: 'math' });
        await t.declareQueue({ name: 'd2', exchange: 'tasks', routingKey: 'text' });
        await t.declareQueue({ name: 'd3', exchange: 'tasks', routingKey: 'math' });
        await t.declareQueue({ name: 'd4', exchange: 'tasks' }); // binding key = queue name
        await t.declareQueue({ name: 'd4', exchange: 'tasks' }); // idempotent
        await t.publish(message('m'), { exchange: 'tasks', routingKey: 'math' });
        await t.publish(message('t'), { exchange: 'tasks', routingKey: 'text' });
        await t.publish(message('q'), { exchange: 'tasks', routingKey: 'd4' });
        assert.deepEqual(
          await Promise.all(['d1', 'd2', 'd3', 'd4'].map((q) => t.size(q))),
          [1, 1, 1, 1],
        );
        const collector = new Collector((d) => void d.ack());
        await collector.consume(t, ['d3'], 1);
        const [got] = await collector.waitFor(1);
        assert.equal(tagOf(got!), 'm');
        assert.equal(got!.queue, 'd3');
        assert.equal(got!.exchange, 'tasks');
        assert.equal(got!.routingKey, 'math');
      }),
    );

    test("a topic exchange routes by kombu's word patterns, each queue once, also for another client", CASE, () =>
      withTransport(async (t, fixture) => {
        await t.declareQueue({ name: 't1', exchange: 'news', exchangeType: 'topic', routingKey: 'usa.#' });
        await t.declareQueue({ name: 't2', exchange: 'news', exchangeType: 'topic', routingKey: '*.weather' });
        await t.declareQueue({ name: 't1', exchange: 'news', exchangeType: 'topic', routingKey: 'usa.weather' });
        // A producer that only declares the exchange (as Celery's producer does) routes alike.
        const producer = fixture.open();
        await producer.start();
        try {
          await producer.declareExchange('news', 'topic');
          await producer.publish(message('both'), { exchange: 'news', routingKey: 'usa.weather' });
          await producer.publish(message('usa'), { exchange: 'news', routingKey: 'usa.sports.today' });
          await producer.publish(message('weather'), { exchange: 'news', routingKey: 'europe.weather' });
        } finally {
          if (producer !== t) await producer.stop();
        }
        assert.deepEqual([await t.size('t1'), await t.size('t2')], [2, 2]);
        const collector = new Collector((d) => void d.ack());
        await collector.consume(t, ['t1'], 0);
        const got = await collector.waitFor(2);
        assert.deepEqual(got.map((d) => [tagOf(d), d.exchange, d.routingKey]).sort(), [
          ['both', 'news', 'usa.weather'],
          ['usa', 'news', 'usa.sports.today'],
        ]);
        collector.controller.abort();
      }),
    );

    test('a fanout exchange gives a copy to every bound queue being consumed', CASE, () =>
      withTransport(async (t, fixture) => {
        await t.declareQueue({ name: 'f1', exchange: 'bcast', exchangeType: 'fanout', routingKey: '' });
        await t.declareQueue({ name: 'f2', exchange: 'bcast', exchangeType: 'fanout', routingKey: '' });
        await t.declareQueue({ name: 'plain' });
        const first = new Collector((d) => void d.ack());
        const second = new Collector((d) => void d.ack());
        // One consumer takes from a fanout queue and an ordinary queue at once.
        await first.consume(t, ['f1', 'plain'], 0);
        await second.consume(t, ['f2'], 0);
        const producer = fixture.open();
        await producer.start();
        try {
          await producer.declareExchange('bcast', 'fanout');
          await producer.publish(message('hello'), { exchange: 'bcast', routingKey: '' });
          await producer.publish(message('direct'), { exchange: '', routingKey: 'plain' });
        } finally {
          if (producer !== t) await producer.stop();
        }
        const [a, b] = await first.waitFor(2);
        const [c] = await second.waitFor(1);
        const fromFanout = [a!, b!].find((d) => tagOf(d) === 'hello')!;
        assert.deepEqual([fromFanout.queue, fromFanout.exchange], ['f1', 'bcast']);
        assert.ok([a!, b!].some((d) => tagOf(d) === 'direct' && d.queue === 'plain'));
        assert.deepEqual([tagOf(c!), c!.queue, c!.exchange], ['hello', 'f2', 'bcast']);
        first.controller.abort();
        second.controller.abort();
      }),
    );

    test('revocations are kept with their expiry, seen by every client, and lapse', CASE, () =>
      withTransport(async (t, fixture) => {
        assert.ok(t.revocations, 'the transport keeps revocations');
        const now = Date.now();
        await t.revocations.add([
          { taskId: 'a', expiresAtMs: now + 60_000 },
          { taskId: 'b', expiresAtMs: now + 1_000 },
        ]);
        await t.revocations.add([{ taskId: 'a', expiresAtMs: now + 30_000 }]); // the later expiry stays
        const other = fixture.open();
        await other.start();
        try {
          const seen = await other.revocations!.list(now);
          assert.deepEqual(seen.map((r) => [r.taskId, r.expiresAtMs]).sort(), [
            ['a', now + 60_000],
            ['b', now + 1_000],
          ]);
          assert.deepEqual((await other.revocations!.list(now + 2_000)).map((r) => r.taskId), ['a']);
        } finally {
          if (other !== t) await other.stop();
        }
      }),
    );

    test('a named exchange without a matching binding drops the message with a warning', CASE, async () => {
      const logger = recordingLogger();
      await withTransport(
        async (t) => {
          await t.declareQueue({ name: 'bound', exchange: 'tasks', routingKey: 'math' });
          await t.publish(message('lost'), { exchange: 'tasks', routingKey: 'nobody' });
          await t.publish(message('lost2'), { exchange: 'undeclared', routingKey: 'bound' });
          assert.equal(await t.size('bound'), 0);
          assert.equal(await t.size('nobody'), 0);
          assert.equal(logger.warnings.length, 2);
          assert.match(logger.warnings[0]!, /tasks/);
          assert.match(logger.warnings[0]!, /nobody/);
          assert.match(logger.warnings[1]!, /undeclared/);
        },
        { logger },
      );
    });

    test('dead letters are listed oldest first and can be requeued', CASE, () =>
      withTransport(async (t) => {
        const before = Date.now();
        await t.deadLetter(message('d0'), 'dlq', 'could not decode');
        await t.deadLetter(message('d1', { priority: 2 }), 'dlq', 'unknown task');
        await publishAll(t, 'dlq', ['d2']);
        const collector = new Collector();
        await collector.consume(t, ['dlq'], 1);
        const [d2] = await collector.waitFor(1);
        await d2!.reject({ requeue: false, deadLetterReason: 'bad signature' });
        collector.controller.abort();

        const letters = await t.listDeadLetters();
        assert.deepEqual(
          letters.map((l) => [l.queue, l.reason, String(l.message.headers.id)]),
          [
            ['dlq', 'could not decode', 'd0'],
            ['dlq', 'unknown task', 'd1'],
            ['dlq', 'bad signature', 'd2'],
          ],
        );
        assert.deepEqual(letters[1]!.message, message('d1', { priority: 2 }));
        for (const letter of letters) {
          assert.ok(letter.diedAtMs >= before - 1000 && letter.diedAtMs <= Date.now() + 1000);
        }
        assert.equal(new Set(letters.map((l) => l.id)).size, 3);
        assert.equal((await t.listDeadLetters({ limit: 2 })).length, 2);
        assert.equal(await t.size('dlq'), 0);

        assert.equal(await t.requeueDeadLetters([letters[1]!.id, 'no-such-id']), 1);
        assert.deepEqual(
          (await t.listDeadLetters()).map((l) => l.reason),
          ['could not decode', 'bad signature'],
        );
        assert.equal(await t.size('dlq'), 1);
        assert.equal(await t.requeueDeadLetters(), 2);
        assert.deepEqual(await t.listDeadLetters(), []);
        assert.equal(await t.size('dlq'), 3);
      }),
    );

    test('aborting the signal stops deliveries; held deliveries can still be acked', CASE, () =>
      withTransport(async (t) => {
        const collector = new Collector();
        await collector.consume(t, ['abort'], 0);
        await publishAll(t, 'abort', ['first']);
        const [first] = await collector.waitFor(1);
        collector.controller.abort();
        await publishAll(t, 'abort', ['second']);
        await settle();
        assert.equal(collector.deliveries.length, 1);
        assert.equal(await t.size('abort'), 1);
        await first!.ack();
        assert.equal(await t.size('abort'), 1);
        // An already aborted signal: consume is a no-op.
        const late = new Collector();
        late.controller.abort();
        await late.consume(t, ['abort'], 0);
        await settle();
        assert.equal(late.deliveries.length, 0);
      }),
    );

    test('competing consumers: each message is delivered exactly once', CASE, () =>
      withTransport(async (t, fixture) => {
        const other = fixture.open();
        await other.start();
        try {
          const tags = range('c', 300);
          let received = 0;
          let allReceived!: () => void;
          const done = new Promise<void>((resolve) => (allReceived = resolve));
          const onEach = (d: Delivery): void => {
            void d.ack();
            if (++received === tags.length) allReceived();
          };
          const a = new Collector(onEach);
          const b = new Collector(onEach);
          await a.consume(t, ['shared'], 5);
          await b.consume(other, ['shared'], 5);
          await publishAll(t, 'shared', tags.slice(0, 150));
          await publishAll(other, 'shared', tags.slice(150));
          await done;
          await settle();
          const all = [...a.tags(), ...b.tags()];
          assert.equal(all.length, tags.length);
          assert.deepEqual([...all].sort(), [...tags].sort());
          assert.equal(await t.size('shared'), 0);
          a.controller.abort();
          b.controller.abort();
        } finally {
          await other.stop();
        }
      }),
    );

    test('operations need a started transport; start and stop are idempotent', CASE, async () => {
      const fixture = await makeFixture();
      const t = fixture.open();
      try {
        await t.stop(); // before start: a no-op
        await assert.rejects(t.publish(message('x'), { exchange: '', routingKey: 'q' }), {
          code: 'TRANSPORT_CLOSED',
        });
        await assert.rejects(t.size('q'), { code: 'TRANSPORT_CLOSED' });
        await t.start();
        await t.start();
        await assert.rejects(
          t.consume({ queues: [], prefetch: 1, signal: new AbortController().signal, onMessage: () => {} }),
          { code: 'USAGE' },
        );
        await assert.rejects(
          t.consume({ queues: ['q'], prefetch: -1, signal: new AbortController().signal, onMessage: () => {} }),
          { code: 'USAGE' },
        );
        await t.publish(message('x'), { exchange: '', routingKey: 'q' });
        await t.stop();
        await t.stop();
        await assert.rejects(t.publish(message('y'), { exchange: '', routingKey: 'q' }), {
          code: 'TRANSPORT_CLOSED',
        });
        await t.start(); // restartable
        assert.equal(await t.size('q'), 1);
      } finally {
        await t.stop();
        await fixture.dispose();
      }
    });
  });
}
