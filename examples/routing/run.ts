// Seed 000's routing, end to end on Redis (the broker and result databases of config.yaml, or of
// the file HACKFUN_CONFIG names): two workers as the seed starts them —
//   celery -A hackfun.app.app_celery worker -Q hackfun#workerQueue@webhook -c 4
//   celery -A hackfun.app.app_celery worker -Q hackfun#workerQueue@internal -c 4
// here in-process (from a shell: `cd examples/routing && celeriac worker -A hackfun/app.ts
// -Q 'hackfun#workerQueue@webhook' -c 4`) — then the seed's calls, printing which worker and
// queue ran each.
// Usage: node --import tsx examples/routing/run.ts
import { Worker } from 'celeriac';
import { appCelery } from './hackfun/app.js';
import { getWorkerQueue } from './hackfun/celeryconfig.js';
import { internalPrint, ranOn, webhookPrint } from './hackfun/worker/task-handler.js';

appCelery.setupLogging({ loglevel: process.env.HACKFUN_LOGLEVEL ?? 'warning' });
const webhookWorker = new Worker(appCelery, { queues: [getWorkerQueue('webhook')], concurrency: 4, hostname: 'webhook@%h' });
const internalWorker = new Worker(appCelery, { queues: [getWorkerQueue('internal')], concurrency: 4, hostname: 'internal@%h' });
await webhookWorker.start();
await internalWorker.start();

try {
  const calls = [
    internalPrint.applyAsync(['internal_print_haha', 'internal_print other args'], { a: 1, b: 2 }),
    webhookPrint.applyAsync(['webhook_print_haha', 'webhook_print other args'], { a: 3, b: 4 }),
  ];
  for (const sent of calls) {
    const r = await sent;
    const result = await r.get({ timeout: 10_000 });
    const ran = ranOn.get(r.id);
    console.log(`${JSON.stringify(result).padEnd(16)} ran on ${ran?.hostname.split('@')[0]}@… from queue ${ran?.queue}`);
    console.log(`${''.padEnd(16)} printed: ${ran?.printed}`);
  }
} finally {
  await webhookWorker.stop();
  await internalWorker.stop();
  await appCelery.close();
}
