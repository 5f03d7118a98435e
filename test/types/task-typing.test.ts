// Compile-time guarantees of the task API. `npm run typecheck` fails if an @ts-expect-error
// line stops being an error; the runtime test only proves the file loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Celery, type AsyncResult } from 'celeriac';

const app = new Celery('types', { broker_url: 'memory://' });
const add = app.task('types.add', (x: number, y: number) => x + y);
const greet = app.task({ name: 'types.greet', bind: true }, (ctx, name: string) => `${ctx.request.id}:${name}`);
const remote = app.remoteTask<(x: number, y: number) => number>('tasks.add');

export async function compileOnly(): Promise<void> {
  // @ts-expect-error -- wrong argument type
  await add.delay('a', 3);
  // @ts-expect-error -- missing argument
  await add.delay(1);
  // @ts-expect-error -- the bound context is not an argument of delay
  await greet.delay({}, 'x');
  // @ts-expect-error -- remote stubs are typed too
  await remote.delay('2', 2);
  const r: AsyncResult<number> = await add.delay(2, 3);
  const n: number = await r.get();
  const s: string = await (await greet.delay('bob')).get();
  // @ts-expect-error -- the result type follows the function's return type
  const wrong: string = await r.get();
  void [n, s, wrong];
}

test('a local call runs the function and keeps its type', () => {
  const five: number = add(2, 3);
  assert.equal(five, 5);
  assert.match(greet('bob'), /^[0-9a-f-]{36}:bob$/);
});
