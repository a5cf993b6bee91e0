import { Logger } from '@nestjs/common';
import { quantityValue } from '@skiff/contracts/resource-quantity';
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { apiReason, apiStatus } from './kube-errors';
import { FUNCTION_LABEL } from './kube-labels';

/** One PodMetrics of metrics.k8s.io/v1beta1 (what the backend reads of it). */
interface PodMetrics {
  metadata?: { name?: string; labels?: Record<string, string> };
  containers?: { name?: string; usage?: { cpu?: string; memory?: string } }[];
}

/** What the metrics API says about one function's pods together. */
export interface FunctionMetrics {
  cpuMillicores: number;
  memoryBytes: number;
}

/**
 * CPU and memory of each function's pods from the metrics API (metrics-server's PodMetrics), polled in the
 * background: `usage()` of a backend is synchronous. Where metrics.k8s.io is not served (404), the
 * `cpu` and `memory` scaling types have nothing to go by; that is logged once and usage stays absent.
 */
export class PodMetricsPoller {
  private readonly logger = new Logger(PodMetricsPoller.name);
  private readonly metrics = new Map<string, FunctionMetrics>();
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

  /** The last known use of `namespace/name` (all its pods together); undefined when unknown. */
  of(namespace: string, name: string): FunctionMetrics | undefined {
    return this.metrics.get(`${namespace}/${name}`);
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
    const next = new Map<string, FunctionMetrics>();
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
          this.metrics.clear(); // metrics-server went away: what it said last is no measure of now
          if (!this.missingLogged)
            this.logger.warn('metrics.k8s.io is not served (no metrics-server): the cpu and memory scaling types have no data');
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
        const key = `${namespace}/${fn}`;
        const sum = next.get(key) ?? { cpuMillicores: 0, memoryBytes: 0 };
        for (const c of pod.containers ?? []) {
          sum.cpuMillicores += (quantityValue(c.usage?.cpu) ?? 0) * 1000;
          sum.memoryBytes += quantityValue(c.usage?.memory) ?? 0;
        }
        next.set(key, sum);
      }
    }
    this.metrics.clear();
    for (const [k, v] of next) this.metrics.set(k, v);
  }
}
