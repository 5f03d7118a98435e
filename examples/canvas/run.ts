// The canvas sections of seeds 001 (任务编排: group, chain, chord, map, starmap, chunks) and 004
// (groups, chains, partial chains and groups, chords), in TypeScript, on the embedded broker by
// default (CANVAS_BROKER_URL to use another, e.g. redis://localhost:6379/0). A worker runs in this
// process; each line prints the Python spelling and what celeriac got.
// Usage: node --import tsx examples/canvas/run.ts
import { Celery, Worker, chain, chord, group } from 'celeriac';

const app = new Celery('canvas', { broker_url: process.env.CANVAS_BROKER_URL ?? 'memory://' });
app.setupLogging({ loglevel: 'warning' });

const add = app.task('tasks.add', (x: number, y: number) => x + y);
const mul = app.task('tasks.mul', (x: number, y: number) => x * y);
const xsum = app.task('tasks.xsum', (numbers: number[]) => numbers.reduce((a, b) => a + b, 0));
const square = app.task('tasks.square', (x: number) => x * x);

const range = (n: number): number[] => [...Array(n).keys()];
const GET = { timeout: 10_000 };

const worker = new Worker(app, { concurrency: 8 });
await worker.start();
try {
  const show = (python: string, value: unknown): void => console.log(`${python.padEnd(66)} → ${JSON.stringify(value)}`);

  // Seed 004 — Groups
  show('group(add.s(i, i) for i in range(10))().get()', await (await group(range(10).map((i) => add.s(i, i))).delay()).get(GET));
  show('group(add.s(i) for i in range(10))(10).get()  # partial group', await (await group(range(10).map((i) => add.s(i))).delay(10)).get(GET));
  // Seed 004 — Chains
  show('chain(add.s(4, 4) | mul.s(8))().get()', await (await chain(add.s(4, 4), mul.s(8)).delay()).get(GET));
  show('(add.s(4, 4) | mul.s(8))().get()', await (await add.s(4, 4).pipe(mul.s(8)).delay()).get(GET));
  show('chain(add.s(4) | mul.s(8))(4).get()  # partial chain', await (await chain(add.s(4), mul.s(8)).delay(4)).get(GET));
  // Seed 004 — Chords
  show('chord((add.s(i, i) for i in range(10)), xsum.s())().get()', await (await chord(range(10).map((i) => add.s(i, i)), xsum.s()).delay()).get(GET));
  show('(group(add.s(i, i) for i in range(10)) | xsum.s())().get()', await (await group(range(10).map((i) => add.s(i, i))).pipe(xsum.s()).delay()).get(GET));
  // Seed 001 — chain with a parent walk, map, starmap, chunks
  const chained = await chain(add.s(2, 2), add.s(5), mul.s(8)).applyAsync();
  show('chain(add.s(2, 2), add.s(5), mul.s(8))().get()', await chained.get(GET));
  show('  .parent.get()', await chained.parent!.get(GET));
  show('square.map(range(5)).delay().get()', await (await square.map(range(5)).delay()).get(GET));
  show('add.starmap([(1, 2), (3, 4)]).delay().get()', await (await add.starmap([[1, 2], [3, 4]]).delay()).get(GET));
  show('add.chunks(zip(range(10), range(10)), 3)().get()', await (await add.chunks(range(10).map((i) => [i, i] as [number, number]), 3).applyAsync()).get(GET));
} finally {
  await worker.stop();
  await app.close();
}
