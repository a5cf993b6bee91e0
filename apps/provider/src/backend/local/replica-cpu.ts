import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc CPU times (USER_HZ; 100 on every mainstream Linux). */
const TICKS_PER_SECOND = 100;

/** utime+stime (+ children that were waited for) of one process, in ticks; undefined when gone or not Linux. */
function processTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime are fields 14-17 (1-based), i.e. 11-14 after the command.
    return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  } catch {
    return undefined;
  }
}

/** Direct children of a process (Linux 3.5+ with CONFIG_PROC_CHILDREN). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** CPU ticks of a replica: the watchdog and every process below it (the http upstream, classic forks). */
export function treeTicks(pid: number, depth = 0): number {
  let total = processTicks(pid) ?? 0;
  if (depth < 4) for (const child of childrenOf(pid)) total += treeTicks(child, depth + 1);
  return total;
}

/**
 * Measures CPU per replica from /proc, as millicores averaged since the previous sample of the
 * same key (the first sample of a key reads 0).
 */
export class CpuSampler {
  private readonly previous = new Map<string, { ticks: number; at: number }>();

  /** Millicores the processes under `pids` used since the last call with this key. */
  sample(key: string, pids: number[], now = Date.now()): number {
    let ticks = 0;
    for (const pid of pids) ticks += treeTicks(pid);
    const before = this.previous.get(key);
    this.previous.set(key, { ticks, at: now });
    if (!before || now <= before.at || ticks < before.ticks) return 0;
    return Math.round((((ticks - before.ticks) / TICKS_PER_SECOND) * 1000 * 1000) / (now - before.at));
  }

  /** Forgets keys not in `live`. */
  retain(live: Set<string>): void {
    for (const key of this.previous.keys()) if (!live.has(key)) this.previous.delete(key);
  }
}
