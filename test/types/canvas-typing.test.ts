// Compile-time guarantees of the canvas API: signatures are typed by their task's parameters
// (partial ones by a tail of them), and chain / group / chord handles by what they return.
// `npm run typecheck` fails if an @ts-expect-error line stops being an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Celery, chain, chord, group, type AsyncResult, type GroupResult } from 'celeriac';

const app = new Celery('types', { broker_url: 'memory://' });
const add = app.task('types.add', (x: number, y: number) => x + y);
const xsum = app.task('types.xsum', (numbers: number[]) => numbers.reduce((a, b) => a + b, 0));
const shout = app.task('types.shout', (text: string) => text.toUpperCase());

export async function compileOnly(): Promise<void> {
  add.s(2, 2);
  add.s(2); // partial: the previous result comes first
  add.s();
  // @ts-expect-error -- wrong argument type
  add.s('a');
  // @ts-expect-error -- too many arguments
  add.s(1, 2, 3);
  // @ts-expect-error -- si takes every argument
  add.si(1);
  const chained: AsyncResult<string> = await chain(add.s(1, 1), add.s(2), shout.s()).applyAsync();
  // @ts-expect-error -- the chain's result is the last step's
  const wrongChain: AsyncResult<number> = await chain(add.s(1, 1), shout.s()).applyAsync();
  const grouped: GroupResult<number> = await group(add.s(1, 1), add.s(2, 2)).applyAsync();
  const values: number[] = await grouped.get();
  const chorded: AsyncResult<number> = await chord([add.s(1, 1)], xsum.s()).applyAsync();
  const mapped: number[] = await (await add.starmap([[1, 2]]).delay()).get();
  void [chained, wrongChain, values, chorded, mapped];
}

test('signatures built from typed tasks encode as Celery dicts', () => {
  assert.deepEqual(add.s(2).toDict().args, [2]);
});
