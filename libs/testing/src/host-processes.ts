import { readFileSync, readdirSync } from 'node:fs';

/** One process of this machine as a test sees it from outside any sandbox. */
export interface HostProcess {
  /** Host pid. */
  pid: number;
  /** Its environment, `NAME=value` entries. */
  env: string[];
  /** Its command line, arguments joined by spaces. */
  cmdline: string;
}

/**
 * Host processes matching `accept`, found from /proc. Replicas run in their own pid namespace, so
 * a pid a function reports means nothing outside; tests find its host pid by what it carries (its
 * environment, e.g. SKIFF_INSTANCE or a classic call's Http_Query, and its command line).
 */
export function hostProcesses(accept: (p: HostProcess) => boolean): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const env = readFileSync(`/proc/${name}/environ`, 'utf8').split('\0');
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (accept({ pid: Number(name), env, cmdline })) pids.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}
