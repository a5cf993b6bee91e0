import { KubeObject, ObjectStore } from './object-store';

interface DeploymentShape {
  spec: { replicas?: number; progressDeadlineSeconds?: number; revisionHistoryLimit?: number; strategy?: unknown };
  status?: Record<string, number>;
}

/**
 * Plays kube-controller-manager's deployment controller for status only: after a change, status
 * reports the generation observed and every desired replica as updated, ready and available —
 * except for functions in `unavailable` (their pods never become ready). Zero counts are left out
 * (omitempty), as the real status does. No pods are simulated.
 */
export class DeploymentController {
  readonly unavailable = new Set<string>();
  private readonly timers = new Set<NodeJS.Immediate>();

  constructor(private readonly store: ObjectStore) {}

  /** The defaults the API server fills in on create and update (SetDefaults_Deployment). */
  defaults(o: KubeObject): void {
    const d = o as unknown as DeploymentShape;
    d.spec.replicas ??= 1;
    d.spec.progressDeadlineSeconds ??= 600;
    d.spec.revisionHistoryLimit ??= 10;
    d.spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
    o.metadata.generation ??= 1;
  }

  /** Schedules a status update of one Deployment. */
  changed(namespace: string, name: string): void {
    const t = setImmediate(() => {
      this.timers.delete(t);
      this.sync(namespace, name);
    });
    this.timers.add(t);
  }

  /** Recomputes status now (tests call it after changing `unavailable`). */
  sync(namespace: string, name: string): void {
    const o = this.store.get('deployments', namespace, name);
    if (!o) return;
    const d = o as unknown as DeploymentShape;
    const replicas = d.spec.replicas ?? 1;
    const available = this.unavailable.has(name) ? 0 : replicas;
    const status: Record<string, number> = { observedGeneration: o.metadata.generation ?? 1 };
    if (replicas) Object.assign(status, { replicas, updatedReplicas: replicas });
    if (available) Object.assign(status, { readyReplicas: available, availableReplicas: available });
    if (available < replicas) status.unavailableReplicas = replicas - available;
    if (JSON.stringify(d.status ?? {}) === JSON.stringify(status)) return;
    d.status = status;
    this.store.update('deployments', namespace, o);
  }

  stop(): void {
    for (const t of this.timers) clearImmediate(t);
    this.timers.clear();
  }
}
