// A cap on V8's young generation that the command can set after node has started.
//
// `--max-semi-space-size` is read once, when node creates its heap: `v8.setFlagsFromString` is
// too late for it, and the `celeriac` command has no say over node's command line (npm's bin
// link runs `node bin/celeriac.js`). V8 does read `--semi-space-growth-factor` each time it
// grows the new space (capacity × factor, in GC, when more has survived scavenges since the last
// growth than the space holds). So the cap is kept by switching that factor: 2 while doubling
// stays within the cap, 1 (no growth) once it would not, re-read after every GC (V8 also
// shrinks the new space when allocation is slow, and it may then grow back up to the cap).
// Capacities are powers of two from 1 MiB, so a cap that is one is reached exactly; any other
// cap stops at the power of two below it.
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

const MiB = 1024 * 1024;

/**
 * Keep each semi-space of the young generation at most `maxMiB` MiB (node's
 * `--max-semi-space-size`, which only works on node's own command line), from now on.
 * Growth is checked after each GC, so a single stretch of JavaScript that survives several
 * scavenges at once could grow it one step past the cap; a running worker does not.
 * @param {number} maxMiB at least 1
 * @returns {() => void} stops governing (the growth factor stays as last set)
 */
export function capSemiSpace(maxMiB) {
  if (!(maxMiB >= 1)) throw new RangeError(`semi-space cap must be at least 1 MiB, got ${maxMiB}`);
  if (semiSpaceCapacity() === undefined) return () => undefined; // a V8 without a new space: nothing to cap
  let factor = 0;
  const govern = () => {
    const wanted = 2 * semiSpaceCapacity() <= maxMiB * MiB ? 2 : 1;
    if (wanted === factor) return;
    setFlagsFromString(`--semi-space-growth-factor=${wanted}`);
    factor = wanted;
  };
  govern();
  const observer = new PerformanceObserver(govern);
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}

/** One semi-space's capacity in bytes, rounded up to a MiB (used + available leaves out page headers); undefined without one. */
function semiSpaceCapacity() {
  const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  return space && Math.ceil((space.space_used_size + space.space_available_size) / MiB) * MiB;
}
