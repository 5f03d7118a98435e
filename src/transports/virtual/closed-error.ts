import { CeleriacError } from '../../errors.js';

/** The error of every transport operation attempted while the transport is not started. */
export function transportClosedError(operation: string): CeleriacError {
  return new CeleriacError(
    'TRANSPORT_CLOSED',
    `cannot ${operation}: the transport is not started (call start() first, and not after stop())`,
  );
}
