// Starts a local collector, installs the error sink, runs one charge that succeeds and one that
// fails on an in-process worker, stops the worker (which flushes the sink) and prints what the
// collector received. Usage: node --import tsx examples/logging-sink/run.ts
import { TaskFailedError, Worker } from 'celeriac';
import { startSinkServer } from './sink-server.js';
import { app, charge, installErrorSink } from './tasks.js';

const collector = await startSinkServer();
installErrorSink(app, collector.url);
// As `celeriac worker` does at start: build the logger, then after_setup_logger handlers run.
app.setupLogging({ loglevel: process.env.SINK_LOGLEVEL ?? 'warning' });

const worker = new Worker(app, { concurrency: 2, hostname: 'billing@%h' });
await worker.start();
try {
  const ok = await charge.delay('4242 4242 4242 4242', 1999);
  console.log(`charge(4242…, 1999)  = ${JSON.stringify(await ok.get({ timeout: 10_000 }))}`);
  const bad = await charge.delay('4000 0000 0000 0002', 500);
  try {
    await bad.get({ timeout: 10_000 });
  } catch (err) {
    if (!(err instanceof TaskFailedError)) throw err;
    console.log(`charge(4000…, 500)   failed: ${err.excType}`);
  }
} finally {
  await worker.stop(); // worker_shutdown: the sink's posts are flushed
  await app.close();
}

const reports = collector.received.filter((r) => r.path === '/errors').map((r) => r.body as { task: string; id: string; exception: { exc_type: string; exc_message: string[] }; traceback: string });
const lines = collector.received.filter((r) => r.path === '/logs').map((r) => r.body as { msg: string; task: string | null });
console.log(`\ncollector received ${reports.length} failure report(s) on /errors:`);
for (const r of reports) console.log(`  ${r.task} ${r.exception.exc_type}: ${r.exception.exc_message.join(', ')} (traceback ${r.traceback.split('\n').length} lines)`);
console.log(`collector received ${lines.length} error log line(s) on /logs:`);
for (const l of lines.sort((a, b) => a.msg.localeCompare(b.msg))) console.log(`  [${l.task === null ? 'worker' : `task ${l.task}`}] ${l.msg}`);
await collector.close();
