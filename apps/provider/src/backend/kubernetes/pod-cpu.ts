import { Logger } from '@nestjs/common';
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { apiReason, apiStatus } from './kube-errors';
import { FUNCTION_LABEL } from './kube-labels';

/** One PodMetrics of metrics.k8s.io/v1beta1 (what the backend reads of it). */
interface PodMetrics {
  metadata?: { name?: string; labels?: Record<string, string> };
  containers?: { name?: string; usage?: { cpu?: string } }[];
}

/** Millicores of a metrics API CPU quantity (`250m`, `1`, `12345678n`, `12u`); 0 when unreadable. */
export function cpuQuantityMillis(q: string | undefined): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(n|u|m|k)?$/.exec(q?.trim() ?? '');
  if (!m) return 0;
  const scale = { n: 1e-6, u: 1e-3, m: 1, k: 1e6 }[m[2] as 'n' | 'u' | 'm' | 'k'] ?? 1000;
  return Number(m[1]) * scale;
}

/**
 * CPU of each function's pods from the metrics API (metrics-server's PodMetrics), polled in the
 * background: `usage()` of a backend is synchronous. Where metrics.k8s.io is not served (404), the
 * `cpu` scaling type has nothing to go by; that is logged once and CPU stays absent.
 */
export class PodCpu {
  private readonly logger = new Logger(PodCpu.name);
  private readonly millis = new Map<string, number>();
  private inflight?: Promise<void>;
  private lastRefresh = 0;
  private missingLogged = false;
  /** False once the cluster answered that metrics.k8s.io does not exist. */
  available = true;

  constructor(
    private readonly custom: CustomObjectsApi,
    private readonly labelSelector: string,
    private readonly minIntervalMs = 5_000,
  ) {}

  /** The last known CPU (millicores, all pods together) of `namespace/name`; undefined when unknown. */
  of(namespace: string, name: string): number | undefined {
    return this.millis.get(`${namespace}/${name}`);
  }

  /** Starts a refresh of `namespaces` unless one runs or the last is recent; resolves when it ends. */
  refresh(namespaces: Iterable<string>): Promise<void> {
    if (this.inflight) return this.inflight;
    if (Date.now() - this.lastRefresh < this.minIntervalMs) return Promise.resolve();
    this.lastRefresh = Date.now();
    this.inflight = this.poll([...namespaces]).finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async poll(namespaces: string[]): Promise<void> {
    const next = new Map<string, number>();
    for (const namespace of namespaces) {
      let list: { items?: PodMetrics[] };
      try {
        list = (await this.custom.listNamespacedCustomObject({
          group: 'metrics.k8s.io',
          version: 'v1beta1',
          namespace,
          plural: 'pods',
          labelSelector: this.labelSelector,
        })) as { items?: PodMetrics[] };
      } catch (err) {
        if (apiStatus(err) === 404) {
          this.available = false;
          if (!this.missingLogged) this.logger.warn('metrics.k8s.io is not served (no metrics-server): the cpu scaling type has no data');
          this.missingLogged = true;
          return;
        }
        this.logger.warn({ msg: 'reading pod metrics failed', namespace, reason: apiReason(err) });
        continue;
      }
      this.available = true;
      for (const pod of list.items ?? []) {
        const fn = pod.metadata?.labels?.[FUNCTION_LABEL];
        if (!fn) continue;
        const cpu = (pod.containers ?? []).reduce((sum, c) => sum + cpuQuantityMillis(c.usage?.cpu), 0);
        const key = `${namespace}/${fn}`;
        next.set(key, (next.get(key) ?? 0) + cpu);
      }
    }
    this.millis.clear();
    for (const [k, v] of next) this.millis.set(k, v);
  }
}
