// Seed 002's "centralised logging through after_setup_logger (Sentry)", with a plain HTTP sink:
// error log lines of the worker and of tasks, and a structured report of every task failure,
// are posted as JSON to a collector. Run it with `node --import tsx examples/logging-sink/run.ts`.
import { Celery, type AfterSetupLoggerPayload } from 'celeriac';

export const app = new Celery('billing', { broker_url: process.env.SINK_BROKER_URL ?? 'memory://' });

class CardDeclined extends Error {
  override name = 'CardDeclined';
}

export const charge = app.task({ name: 'billing.charge', bind: true }, (ctx, card: string, cents: number) => {
  if (card.endsWith('0002')) {
    ctx.log.error(`card ${card} declined by the bank`);
    throw new CardDeclined(`card ${card} declined`);
  }
  return { charged: cents };
});

/**
 * Ship errors to `collectorUrl`: log lines at ERROR and above (POST /logs) and one report per
 * task failure (POST /errors). Posting never blocks a task; `workerShutdown` waits for what is
 * still in flight.
 */
export function installErrorSink(target: Celery, collectorUrl: string): void {
  const inFlight = new Set<Promise<unknown>>();
  const post = (path: string, payload: unknown): void => {
    const sent: Promise<unknown> = fetch(`${collectorUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    })
      .then((res) => res.arrayBuffer())
      // A collector that is down must not take logging (or tasks) down with it.
      .catch(() => undefined)
      .finally(() => inFlight.delete(sent));
    inFlight.add(sent);
  };

  // Seed 002 connects one handler to both logger signals; each line then arrives once.
  const shipErrors = ({ addSink }: AfterSetupLoggerPayload): void => {
    addSink({
      level: 'error',
      write: (record) => post('/logs', { level: record.level, msg: record.msg, task: record.taskName ?? null, taskId: record.taskId ?? null }),
    });
  };
  target.signals.afterSetupLogger.connect(shipErrors);
  target.signals.afterSetupTaskLogger.connect(shipErrors);

  target.signals.taskFailure.connect(({ sender, taskId, einfo, args, kwargs, task }) => {
    post('/errors', {
      task: sender,
      id: taskId,
      hostname: task.request.hostname,
      exception: einfo.serialized,
      traceback: einfo.traceback,
      args,
      kwargs,
    });
  });

  target.signals.workerShutdown.connect(async () => {
    await Promise.all([...inFlight]);
  });
}
