import { Logger } from '@nestjs/common';
import type Docker from 'dockerode';
import { FunctionUsage, subjects } from '@skiff/contracts';

/** The fields of the Engine's container stats (`GET /containers/{id}/stats`) this backend reads. */
export interface ContainerStats {
  read?: string;
  memory_stats?: { usage?: number; stats?: Record<string, number> };
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
}

/** One function's running tasks as the swarm lists them. */
export interface RunningTasks {
  namespace: string;
  name: string;
  /** Every running task of the function, on any node. */
  tasks: { nodeId?: string; containerId?: string }[];
}

/** What one container read: memory now, CPU since its previous reading (undefined on the first). */
export interface ContainerReading {
  memoryBytes: number;
  cpuMillicores?: number;
}

/**
 * Memory in use as `docker stats` shows it: usage less the inactive file cache, which the kernel
 * reclaims before it would kill the container (cgroup v1 `total_inactive_file`, v2 `inactive_file`).
 */
export function memoryInUse(memory: ContainerStats['memory_stats']): number | undefined {
  const usage = memory?.usage;
  if (usage === undefined) return undefined;
  const stats = memory?.stats ?? {};
  for (const cache of [stats.total_inactive_file, stats.inactive_file]) if (cache !== undefined && cache < usage) return usage - cache;
  return usage;
}

/**
 * A function's usage from the containers this Engine reaches. Calls are shared evenly among the
 * replicas (one NATS queue group), so the replicas on other nodes are counted at the mean of the
 * ones read; undefined when none was read.
 */
export function functionUsage(fn: RunningTasks, readings: ContainerReading[]): FunctionUsage | undefined {
  if (!readings.length) return undefined;
  const scale = Math.max(fn.tasks.length, readings.length) / readings.length;
  const memory = readings.reduce((sum, r) => sum + r.memoryBytes, 0);
  const cpu = readings.filter((r) => r.cpuMillicores !== undefined);
  const cpuScale = Math.max(fn.tasks.length, cpu.length) / cpu.length;
  return {
    name: fn.name,
    namespace: fn.namespace,
    replicas: readings.length,
    memoryBytes: Math.round(memory * scale),
    cpuMillicores: cpu.length ? Math.round(cpu.reduce((sum, r) => sum + r.cpuMillicores!, 0) * cpuScale) : undefined,
  };
}

/**
 * CPU and memory of each function's task containers from the Engine's stats, polled in the
 * background (`usage()` of a backend is synchronous). One Engine only sees its own node's
 * containers: tasks on other nodes are not read (see functionUsage), and a function with no task on
 * this node is not measured.
 */
export class ContainerUsagePoller {
  private readonly logger = new Logger(ContainerUsagePoller.name);
  private usage: FunctionUsage[] = [];
  private readonly previous = new Map<string, { cpuNs: number; at: number }>();
  private readonly outOfReachLogged = new Set<string>();
  private inflight?: Promise<void>;
  private lastRefresh = 0;

  constructor(
    private readonly docker: Docker,
    /** This Engine's swarm node ID. */
    private readonly nodeId: string,
    private readonly minIntervalMs = 2_000,
  ) {}

  /** The last measured usage of every function with a task container on this node. */
  all(): FunctionUsage[] {
    return this.usage;
  }

  /** Starts a refresh unless one runs or the last is recent; resolves when it ends. */
  refresh(functions: RunningTasks[]): Promise<void> {
    if (this.inflight) return this.inflight;
    if (Date.now() - this.lastRefresh < this.minIntervalMs) return Promise.resolve();
    this.lastRefresh = Date.now();
    this.inflight = this.poll(functions).finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async poll(functions: RunningTasks[]): Promise<void> {
    const next: FunctionUsage[] = [];
    const read = new Set<string>();
    for (const fn of functions) {
      const ids = fn.tasks.filter((t) => t.nodeId === this.nodeId && t.containerId).map((t) => t.containerId!);
      const elsewhere = fn.tasks.filter((t) => t.nodeId !== this.nodeId).length;
      if (elsewhere) this.noteOutOfReach(fn, elsewhere);
      const readings = await Promise.all(ids.map((id) => this.read(id)));
      ids.forEach((id) => read.add(id));
      const usage = functionUsage(
        fn,
        readings.filter((r): r is ContainerReading => r !== undefined),
      );
      if (usage) next.push(usage);
    }
    for (const id of this.previous.keys()) if (!read.has(id)) this.previous.delete(id);
    this.usage = next;
  }

  /** One container's reading; undefined when it is gone or the Engine does not answer. */
  private async read(containerId: string): Promise<ContainerReading | undefined> {
    let stats: ContainerStats;
    try {
      // one-shot: the Engine answers at once instead of waiting for a second sample (API 1.41+; older ones ignore it).
      stats = (await this.docker
        .getContainer(containerId)
        .stats({ stream: false, 'one-shot': true } as never)) as unknown as ContainerStats;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404)
        this.logger.warn({ msg: 'reading container stats failed', container: containerId, err: (err as Error).message });
      return undefined;
    }
    const memoryBytes = memoryInUse(stats.memory_stats);
    const cpuNs = stats.cpu_stats?.cpu_usage?.total_usage;
    if (memoryBytes === undefined || cpuNs === undefined) return undefined; // a stopped container answers empty stats
    const parsed = Date.parse(stats.read ?? '');
    const at = Number.isFinite(parsed) ? parsed : Date.now();
    const before = this.previous.get(containerId);
    this.previous.set(containerId, { cpuNs, at });
    const cpuMillicores = before && at > before.at && cpuNs >= before.cpuNs ? (cpuNs - before.cpuNs) / 1000 / (at - before.at) : undefined;
    return { memoryBytes, cpuMillicores };
  }

  private noteOutOfReach(fn: RunningTasks, count: number): void {
    const key = subjects.functionKey(fn.namespace, fn.name);
    if (this.outOfReachLogged.has(key)) return;
    this.outOfReachLogged.add(key);
    this.logger.log({
      msg: "replicas on other nodes are out of this Engine's reach: cpu and memory count them at the mean of this node's replicas (none here: not measured)",
      function: key,
      replicas: count,
    });
  }
}
