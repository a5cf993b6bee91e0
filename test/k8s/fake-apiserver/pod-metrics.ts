import { KubeObject, ObjectStore } from './object-store';

/** What a Deployment's pods use together; the fake spreads it evenly over its current pods. */
export interface DeploymentUsage {
  memoryBytes: number;
  cpuMillicores: number;
}

/**
 * PodMetrics as metrics-server serves them for the pods a Deployment has now (`status.replicas`, one
 * container each, labelled with the pod template's labels): memory in Ki, CPU in nanocores, as the
 * real server writes them. The simulated controller runs no pods, so this plays the kubelets' numbers.
 */
export function podMetricsOf(store: ObjectStore, namespace: string, usage: Map<string, DeploymentUsage>): KubeObject[] {
  const items: KubeObject[] = [];
  for (const [name, use] of usage) {
    const deployment = store.get('deployments', namespace, name);
    const pods = (deployment?.status as { replicas?: number } | undefined)?.replicas ?? 0;
    const template = (deployment?.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template;
    for (let i = 0; i < pods; i++)
      items.push({
        kind: 'PodMetrics',
        apiVersion: 'metrics.k8s.io/v1beta1',
        metadata: { name: `${name}-5d4f8b7c9-${i}`, namespace, labels: { ...(template?.metadata?.labels ?? {}) } },
        timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        window: '15.012s',
        containers: [
          {
            name,
            usage: { cpu: `${Math.round((use.cpuMillicores * 1e6) / pods)}n`, memory: `${Math.round(use.memoryBytes / pods / 1024)}Ki` },
          },
        ],
      } as KubeObject);
  }
  return items;
}
