import type { AppsV1Api, CoreV1Api, V1Deployment, V1Secret } from '@kubernetes/client-node';
import { apiStatus } from './kube-errors';
import { MANAGED_BY, MANAGED_BY_LABEL, SECRETS_REVISION_ANNOTATION, SPEC_HASH_ANNOTATION } from './kube-labels';
import { ResourceInformer } from './resource-informer';

/** How many times a write is retried after a 409 (someone changed the object between read and write). */
const CONFLICT_RETRIES = 4;

/** What converge did (logs and tests). */
export type ConvergeResult = 'created' | 'updated' | 'scaled' | 'unchanged';

/** Something in the cluster has the function's name but is not Skiff's: never overwritten. */
export class NotOursError extends Error {}

function isOurs(labels: Record<string, string> | undefined): boolean {
  return labels?.[MANAGED_BY_LABEL] === MANAGED_BY;
}

/**
 * The writes of the kubernetes backend, each converging one object with optimistic concurrency:
 * create, or replace with the resourceVersion read (409 → read again and retry), or change only the
 * replica count through the scale subresource. Objects Skiff did not make are left alone.
 */
export class DeploymentWriter {
  constructor(
    private readonly apps: AppsV1Api,
    private readonly core: CoreV1Api,
  ) {}

  /** Makes the Deployment match `desired` (its spec hash) and its replica count. */
  async converge(informer: ResourceInformer<V1Deployment>, desired: V1Deployment): Promise<ConvergeResult> {
    const { name, namespace } = desired.metadata as { name: string; namespace: string };
    const replicas = desired.spec?.replicas ?? 0;
    let current = informer.get(name);
    let fresh = false;
    for (let attempt = 0; ; attempt++) {
      if (!current && !fresh) {
        current = await this.read(namespace, name);
        fresh = true;
      }
      try {
        if (!current) {
          const created = await this.apps.createNamespacedDeployment({ namespace, body: desired });
          informer.observe(created);
          return 'created';
        }
        if (!isOurs(current.metadata?.labels)) throw new NotOursError(`deployment ${namespace}/${name} exists and was not made by Skiff`);
        if (current.metadata?.annotations?.[SPEC_HASH_ANNOTATION] !== desired.metadata?.annotations?.[SPEC_HASH_ANNOTATION]) {
          const body: V1Deployment = { ...desired, metadata: { ...desired.metadata, resourceVersion: current.metadata?.resourceVersion } };
          informer.observe(await this.apps.replaceNamespacedDeployment({ name, namespace, body }));
          return 'updated';
        }
        if ((current.spec?.replicas ?? 1) !== replicas) {
          await this.scale(namespace, name, replicas);
          return 'scaled';
        }
        return 'unchanged';
      } catch (err) {
        if (apiStatus(err) !== 409 || attempt >= CONFLICT_RETRIES) throw err;
        current = await this.read(namespace, name);
        fresh = true;
      }
    }
  }

  /** Sets the replica count through the scale subresource (autoscaling/v1 Scale), without touching the spec. */
  async scale(namespace: string, name: string, replicas: number): Promise<void> {
    await this.apps.replaceNamespacedDeploymentScale({
      name,
      namespace,
      body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name, namespace }, spec: { replicas } },
    });
  }

  /** Deletes the Deployment when it is Skiff's (its ReplicaSets and pods go with it); absent is fine. */
  async deleteDeployment(namespace: string, name: string): Promise<void> {
    const current = await this.read(namespace, name);
    if (!current || !isOurs(current.metadata?.labels)) return;
    await this.ignore404(
      this.apps.deleteNamespacedDeployment({ name, namespace, body: { preconditions: { uid: current.metadata?.uid } } }),
    );
  }

  /**
   * Creates or replaces a Secret of Skiff's. `revision` (an annotation) says whether the content
   * changed, so an unchanged Secret is not rewritten; `keepExisting` keeps any existing one (credentials).
   */
  async upsertSecret(desired: V1Secret, revision: string, keepExisting = false): Promise<void> {
    const { name, namespace } = desired.metadata as { name: string; namespace: string };
    const body: V1Secret = { ...desired, metadata: { ...desired.metadata, annotations: { [SECRETS_REVISION_ANNOTATION]: revision } } };
    for (let attempt = 0; ; attempt++) {
      const current = await this.ignore404(this.core.readNamespacedSecret({ name, namespace }));
      try {
        if (!current) {
          await this.core.createNamespacedSecret({ namespace, body });
          return;
        }
        if (!isOurs(current.metadata?.labels)) throw new NotOursError(`secret ${namespace}/${name} exists and was not made by Skiff`);
        if (keepExisting || current.metadata?.annotations?.[SECRETS_REVISION_ANNOTATION] === revision) return;
        await this.core.replaceNamespacedSecret({
          name,
          namespace,
          body: { ...body, metadata: { ...body.metadata, resourceVersion: current.metadata?.resourceVersion } },
        });
        return;
      } catch (err) {
        if (apiStatus(err) !== 409 || attempt >= CONFLICT_RETRIES) throw err;
      }
    }
  }

  /** True when the Secret exists and is Skiff's. */
  async hasSecret(namespace: string, name: string): Promise<boolean> {
    const current = await this.ignore404(this.core.readNamespacedSecret({ name, namespace }));
    return !!current && isOurs(current.metadata?.labels);
  }

  /** Deletes a Secret of Skiff's; absent is fine. */
  async deleteSecret(namespace: string, name: string): Promise<void> {
    const current = await this.ignore404(this.core.readNamespacedSecret({ name, namespace }));
    if (!current || !isOurs(current.metadata?.labels)) return;
    await this.ignore404(this.core.deleteNamespacedSecret({ name, namespace }));
  }

  private read(namespace: string, name: string): Promise<V1Deployment | undefined> {
    return this.ignore404(this.apps.readNamespacedDeployment({ name, namespace }));
  }

  private async ignore404<T>(call: Promise<T>): Promise<T | undefined> {
    try {
      return await call;
    } catch (err) {
      if (apiStatus(err) === 404) return undefined;
      throw err;
    }
  }
}
