// Celery's "First steps" (seed 002), in TypeScript. Run a worker with
//   npx celeriac worker -A ./examples/quickstart/tasks.ts -Q celery -c 8 -n w1@%h -l info
// and call it with
//   npx celeriac -A ./examples/quickstart/tasks.ts call tasks.add --args '[2,3]' --wait
import { Celery } from 'celeriac';

export const app = new Celery('proj', { broker_url: process.env.QUICKSTART_BROKER ?? 'sqlite:///celeriac.db' });

export const add = app.task('tasks.add', (x: number, y: number) => x + y);

export const mul = app.task({ name: 'tasks.mul', bind: true }, (ctx, x: number, y: number) => {
  ctx.log.info(ctx.request.id);
  return x * y;
});

export const xsum = app.task('tasks.xsum', (numbers: number[]) => numbers.reduce((a, b) => a + b, 0));
