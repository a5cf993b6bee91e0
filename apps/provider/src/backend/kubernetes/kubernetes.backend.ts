import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { V1Deployment } from '@kubernetes/client-node';
import { FunctionRecord, FunctionUsage, functionTimeoutMs, subjects } from '@skiff/contracts';
import { ProviderEnv } from '../../config/provider.env';
import { SecretStore } from '../../secrets/secret.store';
import { FunctionBackend, ReplicaCounts } from '../function-backend';
import { ReplicaCredentials } from '../replica-credentials';
import { DeploymentWriter } from './deployment-writer';
import { BUS_CREDS_KEY, functionDeployment, functionSecret } from './function-manifest';
import type { KubeClients } from './kube-clients';
import { apiReason, apiStatus } from './kube-errors';
import { NAMESPACE_LABEL, NAMESPACE_LABEL_VALUES, platformSelector, secretNames } from './kube-labels';
import { PodMetricsPoller } from './pod-metrics';
import { ResourceInformer } from './resource-informer';

/** How long a namespace found fit to hold functions is believed without asking again. */
const NAMESPACE_CHECK_TTL_MS = 60_000;
/** Longest drain a replica gets on SIGTERM (the pod's terminationGracePeriodSeconds), whatever its timeout. */
const MAX_GRACE_SECONDS = 600;

/** A function's namespace is not usable on the cluster (missing, or not labelled for functions). */
export class NamespaceNotReadyError extends Error {}

/**
 * The `kubernetes` backend: a function is a Deployment in its namespace, its secrets and its NATS
 * credentials Secrets beside it. One informer per namespace keeps the view current (status() reads
 * it), so a restarted provider finds, compares and adopts what exists instead of recreating it.
 * Stopping the provider stops nothing in the cluster: the functions keep serving.
 */
export class KubernetesBackend implements FunctionBackend {
  private readonly logger = new Logger(KubernetesBackend.name);
  private readonly informers = new Map<string, Promise<ResourceInformer<V1Deployment>>>();
  /** Informers whose first list has completed (status() reads only these). */
  private readonly started = new Map<string, ResourceInformer<V1Deployment>>();
  private readonly namespacesOk = new Map<string, number>();
  private readonly writer: DeploymentWriter;
  private readonly cpu: PodMetricsPoller;
  private readonly selector = platformSelector(subjects.prefix);

  constructor(
    private readonly clients: KubeClients,
    private readonly env: Pick<ProviderEnv, 'SKIFF_LOG_LEVEL' | 'SKIFF_K8S_IMAGE_PULL_POLICY'>,
    private readonly secrets: Pick<SecretStore, 'read'>,
    private readonly busAccess: Pick<ReplicaCredentials, 'access' | 'perReplica' | 'forFunction'>,
  ) {
    this.writer = new DeploymentWriter(clients.apps, clients.core);
    this.cpu = new PodMetricsPoller(clients.custom, this.selector);
  }

  async apply(record: FunctionRecord): Promise<void> {
    const { spec } = record;
    const { namespace, service: name } = spec;
    await this.checkNamespace(namespace);
    const informer = await this.informer(namespace);
    if (this.busAccess.perReplica) await this.ensureBusCredentials(namespace, name);
    const secretsRevision = await this.syncSecrets(namespace, name, spec.secrets ?? []);
    const timeoutMs = functionTimeoutMs(spec, MAX_GRACE_SECONDS * 1000);
    const { deployment, unsupportedConstraints } = functionDeployment(record, {
      prefix: subjects.prefix,
      natsUrl: this.busAccess.access.url,
      busCredentials: this.busAccess.perReplica,
      logLevel: this.env.SKIFF_LOG_LEVEL,
      imagePullPolicy: this.env.SKIFF_K8S_IMAGE_PULL_POLICY,
      secretsRevision,
      terminationGraceSeconds: Math.min(MAX_GRACE_SECONDS, Math.ceil(timeoutMs / 1000) + 5),
    });
    if (unsupportedConstraints.length)
      this.logger.warn({ msg: 'constraints that are not node selectors (key=value) are ignored', function: name, unsupportedConstraints });
    const result = await this.writer.converge(informer, deployment).catch((err: unknown) => {
      throw apiStatus(err) ? new Error(`the cluster refused deployment ${namespace}/${name}: ${apiReason(err)}`) : err;
    });
    if (result !== 'unchanged')
      this.logger.log({ msg: `deployment ${result}`, function: subjects.functionKey(namespace, name), replicas: record.replicas });
  }

  async remove(namespace: string, name: string): Promise<void> {
    await this.writer.deleteDeployment(namespace, name);
    await this.writer.deleteSecret(namespace, secretNames.secrets(name));
    await this.writer.deleteSecret(namespace, secretNames.bus(name));
    this.logger.log({ msg: 'deployment deleted', function: subjects.functionKey(namespace, name) });
  }

  status(namespace: string, name: string): ReplicaCounts {
    const status = this.ready(namespace)?.get(name)?.status;
    return { running: status?.replicas ?? 0, available: status?.availableReplicas ?? 0 };
  }

  usage(): FunctionUsage[] {
    const namespaces = [...this.informers.keys()];
    void this.cpu.refresh(namespaces);
    const out: FunctionUsage[] = [];
    for (const namespace of namespaces) {
      for (const d of this.ready(namespace)?.list() ?? []) {
        const name = d.metadata?.name;
        const m = name ? this.cpu.of(namespace, name) : undefined;
        if (name && m)
          out.push({
            name,
            namespace,
            replicas: d.status?.replicas ?? 0,
            cpuMillicores: Math.round(m.cpuMillicores),
            memoryBytes: Math.round(m.memoryBytes),
          });
      }
    }
    return out;
  }

  /** Stops watching; the functions keep running in the cluster (a new provider adopts them). */
  async stopAll(): Promise<void> {
    for (const informer of this.informers.values()) (await informer.catch(() => undefined))?.stop();
    this.informers.clear();
    this.started.clear();
  }

  /** The namespace's informer when its first list has completed. */
  private ready(namespace: string): ResourceInformer<V1Deployment> | undefined {
    return this.started.get(namespace);
  }

  /** The informer of one namespace, started (listed) on first use. */
  private informer(namespace: string): Promise<ResourceInformer<V1Deployment>> {
    let pending = this.informers.get(namespace);
    if (!pending) {
      const informer = new ResourceInformer<V1Deployment>({
        path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
        labelSelector: this.selector,
        list: () => this.clients.apps.listNamespacedDeployment({ namespace, labelSelector: this.selector }),
        watch: this.clients.watch,
      });
      pending = informer.start().then(() => {
        this.started.set(namespace, informer);
        return informer;
      });
      pending.catch(() => this.informers.delete(namespace));
      this.informers.set(namespace, pending);
    }
    return pending;
  }

  /** A function's namespace must exist and carry `openfaas=1` (as with faas-netes), so Skiff never spreads into others. */
  private async checkNamespace(namespace: string): Promise<void> {
    if ((this.namespacesOk.get(namespace) ?? 0) > Date.now()) return;
    let labels: Record<string, string> | undefined;
    try {
      labels = (await this.clients.core.readNamespace({ name: namespace })).metadata?.labels;
    } catch (err) {
      if (apiStatus(err) === 404)
        throw new NamespaceNotReadyError(
          `namespace ${namespace} does not exist in the cluster: create it with the label ${NAMESPACE_LABEL}=1 (kubectl create namespace ${namespace} && kubectl label namespace ${namespace} ${NAMESPACE_LABEL}=1)`,
        );
      throw new Error(`cannot read namespace ${namespace}: ${apiReason(err)}`);
    }
    const value = labels?.[NAMESPACE_LABEL];
    if (!value || !(NAMESPACE_LABEL_VALUES as readonly string[]).includes(value))
      throw new NamespaceNotReadyError(
        `namespace ${namespace} is not labelled for functions: kubectl label namespace ${namespace} ${NAMESPACE_LABEL}=1`,
      );
    this.namespacesOk.set(namespace, Date.now() + NAMESPACE_CHECK_TTL_MS);
  }

  /** The function's own NATS user, minted once and kept in its Secret (a restart reuses it). */
  private async ensureBusCredentials(namespace: string, name: string): Promise<void> {
    const secretName = secretNames.bus(name);
    if (await this.writer.hasSecret(namespace, secretName)) return;
    const creds = Buffer.from(await this.busAccess.forFunction(namespace, name));
    await this.writer.upsertSecret(
      functionSecret(subjects.prefix, namespace, name, secretName, { [BUS_CREDS_KEY]: creds }),
      'minted',
      true,
    );
  }

  /** Mirrors the function's secrets into its Secret; returns a hash of their revisions ('' without secrets). */
  private async syncSecrets(namespace: string, name: string, names: string[]): Promise<string> {
    const secretName = secretNames.secrets(name);
    if (!names.length) {
      await this.writer.deleteSecret(namespace, secretName);
      return '';
    }
    const files = await this.secrets.read(namespace, names);
    const revision = createHash('sha256')
      .update(files.map((f) => `${f.name}:${f.revision}`).join(','))
      .digest('hex')
      .slice(0, 16);
    const data = Object.fromEntries(files.map((f) => [f.name, f.value]));
    await this.writer.upsertSecret(functionSecret(subjects.prefix, namespace, name, secretName, data), revision);
    return revision;
  }
}
