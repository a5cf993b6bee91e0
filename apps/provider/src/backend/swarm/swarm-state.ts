import { logToken, subjects } from '@skiff/contracts';
import { ReplicaCounts } from '../function-backend';
import { LABELS } from './swarm-names';
import type { RunningTasks } from './container-usage';

/** The fields of a Docker task this backend reads. */
export interface TaskView {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  DesiredState?: string;
  Status?: { State?: string; ContainerStatus?: { ContainerID?: string } };
}

/** The fields of a Docker service this backend reads. */
export interface ServiceView {
  ID: string;
  Version?: { Index?: number };
  Spec?: { Name?: string; Labels?: Record<string, string> };
  UpdateStatus?: { State?: string };
}

/** Task states before `running`: the task exists and will run (for `starting` the health check has not passed yet). */
const COMING = new Set(['new', 'allocated', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting']);

interface FunctionTasks {
  namespace: string;
  name: string;
  serviceId: string;
  tasks: TaskView[];
}

/**
 * What the swarm runs for this platform, as last listed: services by function and their tasks, plus
 * the replicas that announced themselves ready or gone on the bus. `status()` reads only this.
 *
 * A replica exists while its task is coming up or running; it is available when its task runs
 * (Docker marks a task running only once its health check, the watchdog's lock file, passed) and it
 * has not announced `replica.gone`, or, sooner, when it announced `replica.ready`.
 */
export class SwarmState {
  private functions = new Map<string, FunctionTasks>();
  private readonly ready = new Set<string>();
  private readonly gone = new Set<string>();

  /** Replaces the listing (services of this platform and their tasks). */
  update(services: ServiceView[], tasks: TaskView[]): void {
    const byService = new Map<string, TaskView[]>();
    for (const t of tasks) byService.set(t.ServiceID, [...(byService.get(t.ServiceID) ?? []), t]);
    const next = new Map<string, FunctionTasks>();
    const live = new Set<string>();
    for (const s of services) {
      const key = keyOf(s);
      if (!key) continue;
      const own = byService.get(s.ID) ?? [];
      const labels = s.Spec?.Labels ?? {};
      next.set(key, { namespace: labels[LABELS.namespace], name: labels[LABELS.function], serviceId: s.ID, tasks: own });
      for (const t of own) if (t.DesiredState === 'running') live.add(instanceToken(key, t.ID));
    }
    this.functions = next;
    // Forget events of replicas whose tasks are gone (bounded memory).
    for (const set of [this.ready, this.gone]) for (const token of set) if (!live.has(token)) set.delete(token);
  }

  /** A watchdog announced it takes calls (`replica.ready`) or stopped taking them (`replica.gone`). */
  announce(kind: 'ready' | 'gone', namespace: string, name: string, instanceToken: string): void {
    const token = `${subjects.functionKey(namespace, name)}/${instanceToken}`;
    (kind === 'ready' ? this.ready : this.gone).add(token);
  }

  /** The function's service ID, if listed. */
  serviceOf(namespace: string, name: string): string | undefined {
    return this.functions.get(subjects.functionKey(namespace, name))?.serviceId;
  }

  /** Functions (keys) that have a service. */
  keys(): string[] {
    return [...this.functions.keys()];
  }

  counts(namespace: string, name: string): ReplicaCounts {
    const key = subjects.functionKey(namespace, name);
    const fn = this.functions.get(key);
    if (!fn) return { running: 0, available: 0 };
    let running = 0;
    let available = 0;
    for (const t of fn.tasks) {
      const state = t.Status?.State ?? '';
      const token = instanceToken(key, t.ID);
      if (state === 'running' || (COMING.has(state) && t.DesiredState === 'running')) running++;
      if (t.DesiredState !== 'running' || this.gone.has(token)) continue;
      if (state === 'running' || (state === 'starting' && this.ready.has(token))) available++;
    }
    return { running, available };
  }

  /** Each function's running tasks: where they run and their containers (for the usage poller). */
  running(): RunningTasks[] {
    return [...this.functions.values()].map((fn) => ({
      namespace: fn.namespace,
      name: fn.name,
      tasks: fn.tasks
        .filter((t) => t.DesiredState === 'running' && t.Status?.State === 'running')
        .map((t) => ({ nodeId: t.NodeID, containerId: t.Status?.ContainerStatus?.ContainerID })),
    }));
  }

  /** Running tasks of one function per node (tests and diagnostics). */
  nodesOf(namespace: string, name: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const t of this.functions.get(subjects.functionKey(namespace, name))?.tasks ?? [])
      if (t.Status?.State === 'running' && t.NodeID) out[t.NodeID] = (out[t.NodeID] ?? 0) + 1;
    return out;
  }
}

/** `<ns>.<fn>` of a service Skiff labelled. */
export function keyOf(service: ServiceView): string | undefined {
  const labels = service.Spec?.Labels ?? {};
  const name = labels[LABELS.function];
  const namespace = labels[LABELS.namespace];
  return name && namespace ? subjects.functionKey(namespace, name) : undefined;
}

/** The replica-event token of a task: the instance is `<fn>-<task ID>` (SKIFF_INSTANCE). */
function instanceToken(key: string, taskId: string): string {
  const name = key.slice(key.indexOf('.') + 1);
  return `${key}/${logToken(`${name}-${taskId}`)}`;
}
