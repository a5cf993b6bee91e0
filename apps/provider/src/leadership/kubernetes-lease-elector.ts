import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import type { LeaderElector } from '@skiff/nats/leadership/leader-elector';
import { apiReason, apiStatus } from '../backend/kubernetes/kube-errors';

/** How a KubernetesLeaseElector campaigns. */
export interface KubeLeaseOptions {
  /** Namespace and name of the coordination.k8s.io/v1 Lease. */
  namespace: string;
  name: string;
  /** This process's identity (holderIdentity). */
  holder: string;
  /** Lease duration (leaseDurationSeconds, rounded up to whole seconds). */
  leaseMs: number;
  /** Told about failed renewals (the lease is not lost yet). */
  warn?: (message: string) => void;
}

/** metav1.MicroTime on the wire: RFC 3339 with exactly six fraction digits (the API server rejects three). */
export function microTime(at = new Date()): string {
  return `${at.toISOString().slice(0, -1)}000Z`;
}

type LeaseSpec = NonNullable<V1Lease['spec']>;

/**
 * Leader election on a Kubernetes Lease, as client-go's leaderelection does it: the holder renews
 * `renewTime` every fifth of the lease with a replace carrying the resourceVersion it read (a 409
 * means another candidate wrote first); a candidate takes the Lease only when it has seen the same
 * holder and renewTime unchanged for a whole lease duration by its own clock (no clock comparison
 * between nodes), or when the holder is empty. A leader steps down when it could not renew for three
 * quarters of the lease, before any candidate may take it; stop() releases the Lease (empty holder).
 */
export class KubernetesLeaseElector implements LeaderElector {
  private leader = false;
  private stopped = true;
  private busy = false;
  private timer?: NodeJS.Timeout;
  private lastRenewAt = 0;
  private observed?: { record: string; at: number };
  private readonly listeners: Array<(leader: boolean) => void> = [];

  constructor(
    private readonly api: CoordinationV1Api,
    private readonly options: KubeLeaseOptions,
  ) {}

  get isLeader(): boolean {
    return this.leader;
  }

  onChange(cb: (leader: boolean) => void): void {
    this.listeners.push(cb);
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.tick();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leader) return;
    this.leader = false;
    try {
      const lease = await this.api.readNamespacedLease({ name: this.options.name, namespace: this.options.namespace });
      if (lease.spec?.holderIdentity !== this.options.holder) return;
      const now = microTime();
      const spec: LeaseSpec = { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1 };
      const body = withTimes(withSpec(lease, spec), now, now);
      await this.api.replaceNamespacedLease({ name: this.options.name, namespace: this.options.namespace, body });
    } catch (err) {
      this.options.warn?.(`could not release the lease: ${apiReason(err)}`);
    }
  }

  private get durationSeconds(): number {
    return Math.max(1, Math.ceil(this.options.leaseMs / 1000));
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick().finally(() => this.schedule()), Math.max(200, this.options.leaseMs / 5));
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    const sentAt = Date.now();
    try {
      const held = await this.tryAcquireOrRenew();
      if (held) this.lastRenewAt = sentAt;
      // Not held means another candidate holds it or wrote first: the lease is lost at once.
      if (held !== this.leader && !this.stopped) this.set(held);
    } catch (err) {
      this.options.warn?.(`lease ${this.options.namespace}/${this.options.name}: ${apiReason(err)}`);
      if (this.leader && Date.now() - this.lastRenewAt >= this.options.leaseMs * 0.75) this.set(false);
    } finally {
      this.busy = false;
    }
  }

  private set(leader: boolean): void {
    this.leader = leader;
    for (const cb of this.listeners) cb(leader);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { name, namespace, holder } = this.options;
    const now = microTime();
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (apiStatus(err) !== 404) throw err;
      const spec: LeaseSpec = { holderIdentity: holder, leaseDurationSeconds: this.durationSeconds, leaseTransitions: 0 };
      const body: V1Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec };
      return this.write(() => this.api.createNamespacedLease({ namespace, body: withTimes(body, now, now) }));
    }
    const spec = lease.spec ?? {};
    const current = spec.holderIdentity ?? '';
    const record = `${current}|${String(spec.renewTime ?? '')}`;
    if (this.observed?.record !== record) this.observed = { record, at: Date.now() };
    const durationMs = (spec.leaseDurationSeconds ?? this.durationSeconds) * 1000;
    if (current && current !== holder && Date.now() - this.observed.at < durationMs) return false;
    const taking = current !== holder;
    const next: LeaseSpec = {
      ...spec,
      holderIdentity: holder,
      leaseDurationSeconds: this.durationSeconds,
      leaseTransitions: (spec.leaseTransitions ?? 0) + (taking && current ? 1 : 0),
    };
    const acquired = taking ? now : String(spec.acquireTime ?? now);
    return this.write(() => this.api.replaceNamespacedLease({ name, namespace, body: withTimes(withSpec(lease, next), acquired, now) }));
  }

  /** True when the write went through; false when another candidate wrote first (409). */
  private async write(call: () => Promise<V1Lease>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (err) {
      if (apiStatus(err) === 409) return false;
      throw err;
    }
  }
}

function withSpec(lease: V1Lease, spec: LeaseSpec): V1Lease {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: lease.metadata, spec };
}

/** Sets the MicroTime fields as strings: the client's Date serialisation writes three fraction digits. */
function withTimes(lease: V1Lease, acquireTime: string, renewTime: string): V1Lease {
  return { ...lease, spec: { ...lease.spec, acquireTime, renewTime } as unknown as LeaseSpec };
}
