import { readFileSync } from 'node:fs';
import { childrenOf } from './replica-cpu';

/** Resident memory of one process in bytes (VmRSS); 0 when it is gone or not Linux. */
function residentBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    return kib ? Number(kib[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Memory of a replica: the resident memory of the watchdog and every process below it (the http
 * upstream, classic forks) — what its memory cgroup charges and limits.memory caps, without the
 * page cache. Read from /proc like the CPU use, so it is measured whether or not cgroups are writable.
 */
export function treeMemoryBytes(pid: number, depth = 0): number {
  let total = residentBytes(pid);
  if (depth < 4) for (const child of childrenOf(pid)) total += treeMemoryBytes(child, depth + 1);
  return total;
}
