/**
 * Telling whether another process is still running, for brokers shared by several processes:
 * a consumer that died holding messages (SIGKILL, OOM) can then be given up at once by a process
 * that sees it is gone, instead of after a heartbeat timeout.
 */
import { readFileSync, readlinkSync } from 'node:fs';

/** `kill(pid, 0)` probes without signalling: ESRCH = no such process; EPERM = exists, not ours. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let scope: string | null | undefined;

/**
 * A name for the set of processes a pid probe from this process can see, or null when there is
 * none to trust: on Linux the kernel's boot id (random per boot, so never shared by two hosts)
 * and the pid namespace (containers on one kernel have their own). Two processes with the same
 * scope see each other's pids; a host name is not enough (containers and cloned machines share
 * them). Elsewhere (macOS, Windows) null: such consumers are only judged by their heartbeats.
 */
export function processScope(): string | null {
  if (scope === undefined) {
    try {
      const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      const pidNamespace = readlinkSync('/proc/self/ns/pid'); // "pid:[4026531836]"
      scope = bootId !== '' && pidNamespace !== '' ? `${bootId}/${pidNamespace}` : null;
    } catch {
      scope = null;
    }
  }
  return scope;
}
