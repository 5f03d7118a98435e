import { MemoryTransport } from '../../src/transports/memory/memory-transport.js';
import { transportConformance } from './transport.conformance.js';

transportConformance('memory', () => {
  // The memory transport is its own broker: every client of the fixture is the same instance.
  let transport: MemoryTransport | undefined;
  return {
    open: (options) => (transport ??= new MemoryTransport(options)),
    dispose: async () => {
      await transport?.stop();
    },
  };
});
