// Loaded only when SKIFF_BACKEND=kubernetes (backend.module imports this file lazily): the client takes seconds to load.
import { AppsV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';

/** The Kubernetes API clients the backend uses, all from one KubeConfig. */
export interface KubeClients {
  config: KubeConfig;
  apps: AppsV1Api;
  core: CoreV1Api;
  coordination: CoordinationV1Api;
  /** For metrics.k8s.io (PodMetrics), which has no typed client. */
  custom: CustomObjectsApi;
  watch: Watch;
}

/**
 * The cluster to talk to: `file` (SKIFF_KUBECONFIG) when given; else the pod's service account when
 * running in a cluster; else $KUBECONFIG or ~/.kube/config (loadFromDefault).
 */
export function loadKubeConfig(file: string, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const config = new KubeConfig();
  if (file) config.loadFromFile(file);
  else if (env.KUBERNETES_SERVICE_HOST) config.loadFromCluster();
  else config.loadFromDefault();
  if (!config.getCurrentCluster())
    throw new Error('no Kubernetes cluster configured: set SKIFF_KUBECONFIG or run the provider in a cluster');
  return config;
}

/** Every client of the backend from one configuration. */
export function kubeClients(config: KubeConfig): KubeClients {
  return {
    config,
    apps: config.makeApiClient(AppsV1Api),
    core: config.makeApiClient(CoreV1Api),
    coordination: config.makeApiClient(CoordinationV1Api),
    custom: config.makeApiClient(CustomObjectsApi),
    watch: new Watch(config),
  };
}
