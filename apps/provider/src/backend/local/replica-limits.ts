import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from './process-alive';

/** Limits of one replica, already converted from OpenFaaS quantities. */
export interface ReplicaLimits {
  /** limits.memory in bytes. */
  memoryBytes?: number;
  /** limits.cpu in millicores. */
  cpuMillis?: number;
  /** Most processes and threads (SKIFF_REPLICA_PIDS_MAX). */
  pidsMax?: number;
}

/** How limits are enforced on this host, decided once at start. */
export type LimitEnforcement =
  | { kind: 'cgroup-v2'; base: string }
  | { kind: 'cgroup-v1'; memory?: string; cpu?: string; pids?: string }
  | { kind: 'rlimit'; nprocFlag?: string }
  | { kind: 'none' };

/** One replica's cgroup directories (empty for rlimit/none) and the shell lines that apply its limits. */
export interface ReplicaLimitSetup {
  /** `cgroup.procs` files the wrapper writes its own pid into before exec. */
  procsFiles: string[];
  /** `ulimit` options (`-d <KiB>`, `-u <n>`) applied by the wrapper (as root, before it drops to the replica's uid). */
  ulimits: string[];
  /** Removes the replica's cgroups once it has exited (best effort). */
  release(): void;
}

const CPU_PERIOD_US = 100_000;

function write(file: string, value: string): void {
  writeFileSync(file, value);
}

/** Mount point of the cgroup v1 hierarchy carrying `controller`, from /proc/self/mountinfo. */
function v1Mount(controller: string): string | undefined {
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const [fstype, , superOptions] = right.split(' ');
    if (fstype === 'cgroup' && (superOptions ?? '').split(',').includes(controller)) return left.split(' ')[4];
  }
  return undefined;
}

/** This process's cgroup path for `controller` (v1) or the unified one (`''`), from /proc/self/cgroup. */
function ownCgroup(controller: string): string | undefined {
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const [, controllers, path] = line.split(':');
    if (path === undefined) continue;
    if (controller === '' ? controllers === '' : controllers.split(',').includes(controller)) return path;
  }
  return undefined;
}

/** Removes the empty cgroups a provider that died without cleaning up left under `parent`. */
function sweepStale(parent: string): void {
  try {
    for (const entry of readdirSync(parent, { withFileTypes: true })) {
      const pid = /^skiff-provider-(\d+)$/.exec(entry.name)?.[1];
      if (!entry.isDirectory() || !pid || processAlive(Number(pid))) continue;
      const dir = join(parent, entry.name);
      for (const child of readdirSync(dir, { withFileTypes: true })) if (child.isDirectory()) removeGroup(join(dir, child.name));
      removeGroup(dir);
    }
  } catch {
    // best effort
  }
}

function tryV1(tag: string): LimitEnforcement | undefined {
  const out: { memory?: string; cpu?: string; pids?: string } = {};
  for (const controller of ['memory', 'cpu', 'pids'] as const) {
    const mount = v1Mount(controller);
    const own = ownCgroup(controller);
    if (!mount || own === undefined) continue;
    const base = join(mount, own, tag);
    sweepStale(join(mount, own));
    try {
      mkdirSync(base, { recursive: true });
      out[controller] = base;
    } catch {
      // not writable: this controller is not enforced
    }
  }
  return out.memory || out.cpu || out.pids ? { kind: 'cgroup-v1', ...out } : undefined;
}

function tryV2(tag: string): LimitEnforcement | undefined {
  const mount = '/sys/fs/cgroup';
  if (!existsSync(join(mount, 'cgroup.controllers'))) return undefined;
  const own = ownCgroup('');
  if (own === undefined) return undefined;
  const parent = join(mount, own);
  const controllers = readFileSync(join(parent, 'cgroup.controllers'), 'utf8');
  if (!/\bmemory\b/.test(controllers)) return undefined;
  const base = join(parent, tag);
  sweepStale(parent);
  try {
    mkdirSync(base, { recursive: true });
    // Controllers can only be enabled for children of a cgroup without processes of its own.
    const wanted = ['memory', 'cpu', 'pids']
      .filter((c) => new RegExp(`\\b${c}\\b`).test(controllers))
      .map((c) => `+${c}`)
      .join(' ');
    const enable = () => write(join(parent, 'cgroup.subtree_control'), wanted);
    try {
      enable();
    } catch {
      const self = join(parent, `${tag}-self`);
      mkdirSync(self, { recursive: true });
      write(join(self, 'cgroup.procs'), String(process.pid));
      enable();
    }
    write(join(base, 'cgroup.subtree_control'), wanted);
    return { kind: 'cgroup-v2', base };
  } catch {
    return undefined;
  }
}

/** Picks the enforcement: `auto` tries cgroup v2, then v1 (each under this process's own cgroup), then rlimits. */
export function detectLimitEnforcement(
  mode: 'auto' | 'cgroup' | 'rlimit' | 'none',
  tag = `skiff-provider-${process.pid}`,
): LimitEnforcement {
  if (mode === 'none') return { kind: 'none' };
  if (mode !== 'rlimit') {
    try {
      const found = tryV2(tag) ?? tryV1(tag);
      if (found) return found;
    } catch {
      // fall through to rlimits
    }
  }
  return { kind: 'rlimit', nprocFlag: nprocFlag() };
}

/**
 * The `/bin/sh` ulimit option for RLIMIT_NPROC (`-u` in bash, `-p` in dash), when setting it makes
 * sense: it counts every process of a uid, so only when replicas run as a uid of their own (the
 * provider is root and drops them to 65534), never the provider's own uid.
 */
function nprocFlag(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const flag of ['-u', '-p']) {
    try {
      execFileSync('/bin/sh', ['-c', `ulimit ${flag} 64`], { stdio: 'ignore', timeout: 5000 });
      return flag;
    } catch {
      // not this shell's option
    }
  }
  return undefined;
}

/** Human-readable line for the start-up log. */
export function describeEnforcement(e: LimitEnforcement): string {
  switch (e.kind) {
    case 'cgroup-v2':
      return `replica limits (memory, cpu, pids) enforced with cgroup v2 under ${e.base}`;
    case 'cgroup-v1': {
      const where = (dir?: string) => (dir ? `under ${dir}` : 'not available');
      return `replica limits enforced with cgroup v1: memory ${where(e.memory)}, cpu ${where(e.cpu)}, pids ${where(e.pids)}`;
    }
    case 'rlimit':
      return (
        'cgroups not writable: limits.memory enforced as RLIMIT_DATA per replica process; limits.cpu is not enforced; ' +
        (e.nprocFlag
          ? 'SKIFF_REPLICA_PIDS_MAX as RLIMIT_NPROC, which counts the processes of every replica together (they share uid 65534)'
          : "no process limit (RLIMIT_NPROC would count the provider user's own processes)")
      );
    case 'none':
      return 'SKIFF_LIMITS=none: limits are stored and reported but not enforced, and replicas have no process limit';
  }
}

function makeGroup(base: string, instance: string, files: Record<string, string>): string {
  const dir = join(base, instance);
  mkdirSync(dir, { recursive: true });
  for (const [file, value] of Object.entries(files)) {
    if (existsSync(join(dir, file))) write(join(dir, file), value);
  }
  return dir;
}

/** SIGKILLs every process still in a cgroup. */
function killGroup(dir: string): void {
  try {
    for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    // the cgroup is gone
  }
}

function removeGroup(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // still has a process (it is exiting) or already gone; retried at the next release
  }
}

/** Creates one replica's cgroups (or rlimit options); throws when a cgroup cannot be set up. */
export function setUpReplicaLimits(e: LimitEnforcement, instance: string, limits: ReplicaLimits): ReplicaLimitSetup {
  const dirs: string[] = [];
  // Nothing of a replica outlives it: what is still in its cgroups once it exited is killed.
  const release = () =>
    dirs.forEach((d) => {
      killGroup(d);
      setTimeout(() => removeGroup(d), 200).unref();
    });
  const none: ReplicaLimitSetup = { procsFiles: [], ulimits: [], release };
  if (!limits.memoryBytes && !limits.cpuMillis && !limits.pidsMax) return none;
  const quota = (millis: number) => String(Math.max(1000, Math.round((millis * CPU_PERIOD_US) / 1000)));
  switch (e.kind) {
    case 'none':
      return none;
    case 'rlimit': {
      const ulimits: string[] = [];
      if (limits.memoryBytes) ulimits.push('-d', String(Math.max(1, Math.floor(limits.memoryBytes / 1024))));
      if (limits.pidsMax && e.nprocFlag) ulimits.push(e.nprocFlag, String(limits.pidsMax));
      return { ...none, ulimits };
    }
    case 'cgroup-v2': {
      const files: Record<string, string> = {};
      if (limits.memoryBytes) Object.assign(files, { 'memory.max': String(limits.memoryBytes), 'memory.swap.max': '0' });
      if (limits.cpuMillis) files['cpu.max'] = `${quota(limits.cpuMillis)} ${CPU_PERIOD_US}`;
      if (limits.pidsMax) files['pids.max'] = String(limits.pidsMax);
      const dir = makeGroup(e.base, instance, files);
      dirs.push(dir);
      return { ...none, procsFiles: [join(dir, 'cgroup.procs')] };
    }
    case 'cgroup-v1': {
      if (limits.memoryBytes && e.memory) {
        const bytes = String(limits.memoryBytes);
        dirs.push(makeGroup(e.memory, instance, { 'memory.limit_in_bytes': bytes, 'memory.memsw.limit_in_bytes': bytes }));
      }
      if (limits.cpuMillis && e.cpu)
        dirs.push(makeGroup(e.cpu, instance, { 'cpu.cfs_period_us': String(CPU_PERIOD_US), 'cpu.cfs_quota_us': quota(limits.cpuMillis) }));
      if (limits.pidsMax && e.pids) dirs.push(makeGroup(e.pids, instance, { 'pids.max': String(limits.pidsMax) }));
      return { ...none, procsFiles: dirs.map((d) => join(d, 'cgroup.procs')) };
    }
  }
}

/** Removes this provider's (empty) cgroup directories at shutdown. */
export function releaseEnforcement(e: LimitEnforcement): void {
  const bases = e.kind === 'cgroup-v2' ? [e.base] : e.kind === 'cgroup-v1' ? [e.memory, e.cpu, e.pids].filter((b): b is string => !!b) : [];
  for (const base of bases) {
    try {
      for (const child of readdirSync(base, { withFileTypes: true })) {
        if (!child.isDirectory()) continue;
        killGroup(join(base, child.name));
        removeGroup(join(base, child.name));
      }
      rmdirSync(base);
    } catch {
      // a replica is still exiting; the directory is empty and harmless
    }
  }
}
