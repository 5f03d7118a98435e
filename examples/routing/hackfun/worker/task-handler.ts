// Seed 000's hackfun/worker/task_handler.py: two bound tasks on a shared BrokerTask base, named so
// that task_routes sends them to the internal and webhook queues.
import { defineTaskBase, type TaskContext } from 'celeriac';
import { appCelery } from '../app.js';

/** Seed 000's `BrokerTask(app_celery.Task)`: a shared base whose handlers log outcomes. */
export const BrokerTask = defineTaskBase({
  onSuccess(retval: unknown, taskId: string) {
    this.log.info(`${this.name}[${taskId}] succeeded: ${JSON.stringify(retval)}`);
  },
  onFailure(exc: Error, taskId: string) {
    this.log.error(`${this.name}[${taskId}] failed: ${exc.message}`);
  },
});

/** Who ran what, for run.ts to print: task id → worker node name and the queue it came from. */
export const ranOn = new Map<string, { hostname: string; queue: string; printed: string }>();

function print(ctx: TaskContext, messageBody: string, args: unknown[], kwargs: Record<string, unknown>): void {
  const printed = [messageBody, ...args.map(String), JSON.stringify(kwargs)].join(' ');
  // Sent by name through the anonymous exchange, so the routing key is the queue's name.
  ranOn.set(ctx.request.id, { hostname: ctx.request.hostname, queue: ctx.request.deliveryInfo.routingKey, printed });
}

// Consumes the queue internal.* routes to, getWorkerQueue('internal').
export const internalPrint = appCelery.task(
  { name: 'internal.print', bind: true, base: BrokerTask },
  (ctx, messageBody: string, ...rest: unknown[]) => {
    const { args, kwargs } = splitKwargs(rest);
    print(ctx, messageBody, args, kwargs);
    return 'internal_print';
  },
);

// Consumes the queue webhook.* routes to, getWorkerQueue('webhook').
export const webhookPrint = appCelery.task(
  { name: 'webhook.print', bind: true, base: BrokerTask },
  (ctx, messageBody: string, ...rest: unknown[]) => {
    const { args, kwargs } = splitKwargs(rest);
    print(ctx, messageBody, args, kwargs);
    return 'webhook_print';
  },
);

/** Python's `*args, **kwargs`: celeriac passes keyword arguments as a trailing object. */
function splitKwargs(rest: unknown[]): { args: unknown[]; kwargs: Record<string, unknown> } {
  const last = rest.at(-1);
  if (typeof last === 'object' && last !== null && !Array.isArray(last)) return { args: rest.slice(0, -1), kwargs: last as Record<string, unknown> };
  return { args: rest, kwargs: {} };
}
