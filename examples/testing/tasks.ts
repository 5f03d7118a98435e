// The tasks under test: an app as a project would write it. Nothing here knows about tests.
import { Celery } from 'celeriac';

export const app = new Celery('shop', { broker_url: process.env.BROKER_URL ?? 'sqlite:///shop.db' });

export class PaymentGatewayDown extends Error {
  override name = 'PaymentGatewayDown';
}

/** The gateway the task calls; tests replace `charge` with a fake. */
export const gateway = {
  charge: (orderId: string, cents: number): Promise<string> => Promise.reject(new PaymentGatewayDown(`no gateway for ${orderId} (${cents})`)),
};

/** Charges an order; when the gateway is down, tries again in 5 minutes, up to 3 times. */
export const chargeOrder = app.task({ name: 'shop.charge_order', bind: true, maxRetries: 3 }, async (ctx, orderId: string, cents: number) => {
  try {
    return await gateway.charge(orderId, cents);
  } catch (exc) {
    if (exc instanceof PaymentGatewayDown) ctx.retry({ exc, countdown: 300 });
    throw exc;
  }
});

/** Sends a reminder; callers schedule it with a countdown. */
export const remind = app.task('shop.remind', (orderId: string) => `reminded ${orderId}`);
