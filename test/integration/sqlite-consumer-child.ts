/**
 * A consumer in its own process, for sqlite-multiprocess.test.ts.
 * Usage: sqlite-consumer-child.ts <db path> <queue> <prefetch> <ack|hold>
 * Prints one JSON line per event on stdout: {"ready":true}, {"got":tag,"redelivered":bool},
 * {"stopped":true}. Reading "stop" on stdin stops it (warm shutdown) and exits.
 */
import { createInterface } from 'node:readline';
import { SqliteTransport } from '../../src/transports/sqlite/sqlite-transport.js';

const [path, queue, prefetch, mode] = process.argv.slice(2);
if (path === undefined || queue === undefined || prefetch === undefined || mode === undefined) {
  throw new Error('usage: sqlite-consumer-child.ts <db> <queue> <prefetch> <ack|hold>');
}
const say = (event: object): void => void process.stdout.write(`${JSON.stringify(event)}\n`);

const transport = new SqliteTransport({ path });
await transport.start();
const consuming = new AbortController();
await transport.consume({
  queues: [queue],
  prefetch: Number(prefetch),
  signal: consuming.signal,
  onMessage(delivery) {
    say({ got: delivery.message.headers.id, redelivered: delivery.redelivered });
    if (mode === 'ack') void delivery.ack();
  },
});
say({ ready: true });

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'stop') return;
  consuming.abort();
  void transport.stop().then(() => {
    say({ stopped: true });
    process.exit(0);
  });
});
