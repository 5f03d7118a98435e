import { MemoryBackend } from '../../src/backends/memory/memory-backend.js';
import { backendConformance } from './backend.conformance.js';

backendConformance('memory://', {
  create: (options) => new MemoryBackend(options),
});
