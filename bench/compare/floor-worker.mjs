// The floor system's worker: the least a process can do to drain kombu's `celery` list and store
// Celery results, with bare ioredis and no task queue around it. Each turn is one pipelined round
// trip: the previous batch's results (SET EX + PUBLISH each) and the next `RPOP celery <batch>`;
// when the list is empty it blocks in BRPOP. Nothing is held in `unacked`, so a crash loses the
// batch in hand: this is a floor to measure against, not a design.
//   BENCH_REDIS_URL=redis://127.0.0.1:6379/6 BENCH_RESULTS=1 node bench/compare/floor-worker.mjs
import { Redis } from 'ioredis';
import { RESULT_EXPIRES_S, resultKey, successResult, taskIdOf } from './floor-message.mjs';

const redis = new Redis(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/6');
const results = process.env.BENCH_RESULTS !== '0';
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
let stopping = false;

async function drain() {
  let inHand = [];
  while (!stopping) {
    const turn = redis.pipeline();
    if (results) {
      for (const envelope of inHand) {
        const id = taskIdOf(envelope);
        const meta = successResult(id);
        turn.set(resultKey(id), meta, 'EX', RESULT_EXPIRES_S).publish(resultKey(id), meta);
      }
    } else {
      for (const envelope of inHand) taskIdOf(envelope);
    }
    turn.rpop('celery', BATCH);
    const replies = await turn.exec();
    inHand = replies.at(-1)[1] ?? [];
    if (inHand.length === 0) {
      const popped = await redis.brpop('celery', 1);
      if (popped) inHand = [popped[1]];
    }
  }
}

await redis.ping();
process.stdout.write('floor worker ready\n');
const done = drain();
const shutdown = () => {
  stopping = true;
  void done.finally(() => {
    redis.disconnect();
    process.exit(0);
  });
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
