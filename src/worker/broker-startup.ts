/**
 * A worker's first broker connection, retried as Celery's consumer retries it at startup
 * (`Consumer.ensure_connected` → kombu's `Connection.ensure_connection`): a broker that is down
 * or restarting when workers start (a host reboot, a deploy that restarts Redis too) makes them
 * wait for it instead of exiting.
 *
 * - `broker_connection_retry_on_startup` (Celery 5.3; null follows `broker_connection_retry`,
 *   default true) turns it on; off, the first failure is thrown.
 * - Waits of 2, 4, 6 … 30 s between attempts (kombu's `interval_start` 2, `interval_step` 2,
 *   `interval_max` 30, in seconds), at most `broker_connection_max_retries` retries (default
 *   100; 0 or null: forever), then the last error is thrown.
 * - Each failure is logged at error as Celery logs it: `consumer: Cannot connect to the broker:
 *   <error, naming the URL>. Trying again in 2.00 seconds... (1/100)`.
 * - Only a failed connection (`TRANSPORT_ERROR`) is retried; a bad URL or setting fails at once.
 * - The same holds for the start-up steps after it that talk to the broker (declaring the
 *   worker's queues, starting its remote control): a connection dropped under them is retried.
 */
import { CeleriacError } from '../errors.js';
import type { Celery } from '../app/celery.js';
import type { Logger } from '../internal/logger.js';
import { backoffDelayMs, type BackoffPolicy } from '../internal/retry.js';
import type { Transport } from '../transports/transport.js';

/** kombu `ensure_connection`'s waits (its defaults, in ms); the retry limit is the setting's. */
const ENSURE_CONNECTION: BackoffPolicy = { maxRetries: null, intervalStartMs: 2_000, intervalStepMs: 2_000, intervalMaxMs: 30_000 };

/** The wait before retry number `retry` (1-based), in ms. */
export function startupRetryDelayMs(retry: number): number {
  return backoffDelayMs(ENSURE_CONNECTION, retry);
}

/**
 * The app's started transport, retrying a failed connection as described above.
 * @returns undefined when `signal` aborted while waiting (the worker is stopping).
 * @throws CeleriacError `TRANSPORT_ERROR` once retries are off or used up; any other error at once.
 */
export function connectBroker(app: Celery, log: Logger, signal: AbortSignal): Promise<Transport | undefined> {
  return withStartupRetry(app, log, signal, () => app.transport());
}

/**
 * Run a start-up step that talks to the broker (`connectBroker`, declaring the worker's queues,
 * starting its remote control), retrying it as described above when the connection fails under
 * it (a broker restarting, a dropped connection). `step` must be safe to run again after a failure.
 * @returns undefined when `signal` aborted while waiting.
 * @throws CeleriacError `TRANSPORT_ERROR` once retries are off or used up; any other error at once.
 */
export async function withStartupRetry<T>(app: Celery, log: Logger, signal: AbortSignal, step: () => Promise<T>): Promise<T | undefined> {
  const { conf } = app;
  const retryOnStartup = conf.brokerConnectionRetryOnStartup ?? conf.brokerConnectionRetry;
  const maxRetries = conf.brokerConnectionMaxRetries === 0 ? null : conf.brokerConnectionMaxRetries;
  for (let retry = 1; ; retry++) {
    try {
      return await step();
    } catch (error) {
      const connectionFailed = error instanceof CeleriacError && error.code === 'TRANSPORT_ERROR';
      if (!retryOnStartup || !connectionFailed || (maxRetries !== null && retry > maxRetries)) throw error;
      const delayMs = startupRetryDelayMs(retry);
      const limit = maxRetries === null ? 'forever' : String(maxRetries);
      // The transport's message names the broker (password masked).
      log.error(`consumer: Cannot connect to the broker: ${error.message}. Trying again in ${(delayMs / 1000).toFixed(2)} seconds... (${retry}/${limit})`);
      if (!(await pause(delayMs, signal))) return undefined;
    }
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
