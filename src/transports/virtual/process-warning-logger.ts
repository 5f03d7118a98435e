import type { TransportLogger } from '../transport.js';

/** The default transport logger: Node's process warnings (printed to stderr by default). */
export const processWarningLogger: TransportLogger = {
  warn(message) {
    process.emitWarning(message, 'CeleriacWarning');
  },
};
