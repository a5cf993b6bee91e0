import { subjects } from '@skiff/contracts/subjects';
import type { ElectorFactory } from '@skiff/observability';
import type { ProviderEnv } from '../config/provider.env';
import { KubernetesLeaseElector } from './kubernetes-lease-elector';

/** The Lease's name for a lease key of this platform: `skiff-<prefix>-<key>`, made a DNS-1123 subdomain. */
export function leaseName(prefix: string, key: string): string {
  const name = `skiff-${prefix}-${key}`
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return name.slice(0, 253);
}

/**
 * On the kubernetes backend the provider's leader lease is a coordination.k8s.io Lease in
 * SKIFF_K8S_LEASE_NAMESPACE (RBAC in deploy/k8s allows exactly that), not a NATS KV key.
 */
export async function kubernetesElectorFactory(
  env: Pick<ProviderEnv, 'SKIFF_KUBECONFIG' | 'SKIFF_K8S_LEASE_NAMESPACE'>,
): Promise<ElectorFactory> {
  const { kubeClients, loadKubeConfig } = await import('../backend/kubernetes/kube-clients');
  const { coordination } = kubeClients(loadKubeConfig(env.SKIFF_KUBECONFIG));
  return (options) =>
    new KubernetesLeaseElector(coordination, {
      namespace: env.SKIFF_K8S_LEASE_NAMESPACE,
      name: leaseName(subjects.prefix, options.key),
      holder: options.holder,
      leaseMs: options.leaseMs,
      warn: options.warn,
    });
}
