import { CeleriacError } from '../../errors.js';
import type { ConsumeOptions } from '../transport.js';

/**
 * Rejects consume options no transport can honour.
 * @throws CeleriacError `USAGE` for an empty queue list or a prefetch that is not an integer ≥ 0.
 */
export function checkConsumeOptions(options: ConsumeOptions): void {
  if (options.queues.length === 0) {
    throw new CeleriacError('USAGE', 'consume needs at least one queue');
  }
  if (!Number.isInteger(options.prefetch) || options.prefetch < 0) {
    throw new CeleriacError(
      'USAGE',
      `prefetch must be an integer ≥ 0 (0 = unlimited), got ${options.prefetch}`,
    );
  }
}
