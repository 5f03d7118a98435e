/**
 * The periodic restore pass of a consuming Redis transport (kombu's `restore_visible`, plus
 * celeriac's dead-consumer restore; see `unacked-restorer.ts`): the first pass when consuming
 * starts, then one every `restoreIntervalMs` while the transport has consumers.
 */
import { redisReason } from '../../connections/redis-failure.js';
import type { Clock } from '../../internal/clock.js';
import type { TransportLogger } from '../transport.js';

export interface RestoreLoopOptions {
  clock: Clock;
  logger: TransportLogger;
  intervalMs: number;
  /** One pass, or undefined when it cannot run now (the connection is down): skipped. */
  pass: () => Promise<unknown> | undefined;
  /** False once the transport has no consumers (or closed): the loop ends until start(). */
  wanted: () => boolean;
}

export class RestoreLoop {
  #cancel: (() => void) | undefined;
  #running: Promise<unknown> | undefined;

  constructor(private readonly options: RestoreLoopOptions) {}

  /** True between start() and stop() (or until a tick finds the loop no longer wanted). */
  get active(): boolean {
    return this.#cancel !== undefined;
  }

  /** Starts the loop with a pass right away, unless it runs already. */
  start(): void {
    if (this.#cancel === undefined) this.#schedule(0);
  }

  /** Ends the loop; resolves when a pass in flight has settled. */
  async stop(): Promise<void> {
    this.#cancel?.();
    this.#cancel = undefined;
    await this.#running?.catch(() => undefined);
  }

  #schedule(delayMs: number): void {
    const { clock, logger } = this.options;
    this.#cancel = clock.setTimer(() => {
      if (!this.options.wanted()) {
        this.#cancel = undefined;
        return;
      }
      this.#running = (this.options.pass() ?? Promise.resolve(undefined))
        .catch((error: unknown) => logger.warn(`redis transport: restoring unacked messages failed: ${redisReason(error)}`))
        .finally(() => {
          this.#running = undefined;
          if (this.#cancel !== undefined) this.#schedule(this.options.intervalMs);
        });
    }, delayMs);
  }
}
