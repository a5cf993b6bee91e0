import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import type { ServiceSpec } from 'dockerode';
import { subjects } from '@skiff/contracts';
import { SecretStore } from '../../secrets/secret.store';
import { ReplicaCredentials } from '../replica-credentials';
import { CREDENTIALS_FILE, MountedSecret, SECRETS_DIR } from './service-spec';
import { LABELS, credentialsName, secretName } from './swarm-names';

/** Docker's answer when an object with that name exists. */
function isConflict(err: unknown): boolean {
  return (err as { statusCode?: number }).statusCode === 409;
}

/**
 * Skiff secrets and bus credentials as Docker secrets. Docker secrets are immutable, so every
 * revision of a Skiff secret is a secret of its own (`…-r<revision>`): a changed value changes the
 * service spec, and the next apply rolls the function onto it. Values go from the provider's store
 * to the Docker API only; they are never logged or put in the environment.
 */
export class SwarmSecrets {
  /** Secrets handed to applies still in flight (how many hold each). */
  private readonly held = new Map<string, number>();

  constructor(
    private readonly docker: Docker,
    private readonly store: Pick<SecretStore, 'read'>,
    private readonly busAccess: Pick<ReplicaCredentials, 'perReplica' | 'forFunction'>,
  ) {}

  /** The function's secrets, mounted at /var/openfaas/secrets/<name>. */
  async mount(namespace: string, names: string[]): Promise<MountedSecret[]> {
    const files = await this.store.read(namespace, names);
    const out: MountedSecret[] = [];
    for (const file of files) {
      const dockerName = secretName(subjects.prefix, namespace, file.name, file.revision);
      const labels = { [LABELS.prefix]: subjects.prefix, [LABELS.namespace]: namespace, [LABELS.secret]: file.name };
      const id = await this.ensure(dockerName, file.value, labels);
      out.push({ id, dockerName, target: `${SECRETS_DIR}/${file.name}` });
    }
    return out;
  }

  /**
   * The function's bus credentials: the secret its service already mounts when it still exists (a
   * provider restart changes nothing), else newly minted ones. None when the bus gives replicas no
   * credentials of their own.
   */
  async credentials(namespace: string, name: string, current?: ServiceSpec): Promise<MountedSecret | undefined> {
    if (!this.busAccess.perReplica) return undefined;
    const mounted =
      current?.TaskTemplate && 'ContainerSpec' in current.TaskTemplate ? current.TaskTemplate.ContainerSpec?.Secrets : undefined;
    const existing = mounted?.find((s) => s.File?.Name === CREDENTIALS_FILE);
    if (existing?.SecretID && existing.SecretName) {
      const still = await this.docker
        .getSecret(existing.SecretID)
        .inspect()
        .then(() => true)
        .catch(() => false);
      if (still) {
        this.hold(existing.SecretID);
        return { id: existing.SecretID, dockerName: existing.SecretName, target: CREDENTIALS_FILE };
      }
    }
    const mint = randomBytes(4).toString('hex');
    const dockerName = credentialsName(subjects.prefix, namespace, name, mint);
    const creds = await this.busAccess.forFunction(namespace, name);
    const labels = {
      [LABELS.prefix]: subjects.prefix,
      [LABELS.namespace]: namespace,
      [LABELS.secret]: 'nats',
      [LABELS.credentialsOf]: subjects.functionKey(namespace, name),
    };
    const id = await this.ensure(dockerName, Buffer.from(creds), labels);
    return { id, dockerName, target: CREDENTIALS_FILE };
  }

  /** Removes this platform's Docker secrets no service of it mounts any more. */
  async sweep(): Promise<number> {
    const services = await this.docker.listServices({ filters: { label: [`${LABELS.prefix}=${subjects.prefix}`] } });
    const used = new Set<string>();
    for (const s of services) {
      const template = s.Spec?.TaskTemplate;
      const refs = template && 'ContainerSpec' in template ? template.ContainerSpec?.Secrets : undefined;
      for (const ref of refs ?? []) if (ref.SecretID) used.add(ref.SecretID);
    }
    const secrets = await this.docker.listSecrets({ filters: { label: [`${LABELS.prefix}=${subjects.prefix}`] } });
    let removed = 0;
    for (const secret of secrets) {
      // Secrets an apply in flight is about to mount are not used yet, but needed.
      if (used.has(secret.ID) || this.held.has(secret.ID)) continue;
      // Docker refuses while a task still mounts it (an old task draining): the next sweep gets it.
      await this.docker
        .getSecret(secret.ID)
        .remove()
        .then(() => removed++)
        .catch(() => undefined);
    }
    return removed;
  }

  /** The apply that got these secrets (mount, credentials) has written its service: sweep may judge them. */
  release(ids: string[]): void {
    for (const id of ids) {
      const n = (this.held.get(id) ?? 1) - 1;
      if (n > 0) this.held.set(id, n);
      else this.held.delete(id);
    }
  }

  private hold(id: string): void {
    this.held.set(id, (this.held.get(id) ?? 0) + 1);
  }

  private async ensure(name: string, value: Buffer, labels: Record<string, string>): Promise<string> {
    const id = await this.create(name, value, labels);
    this.hold(id);
    return id;
  }

  private async create(name: string, value: Buffer, labels: Record<string, string>): Promise<string> {
    try {
      const created = (await this.docker.createSecret({ Name: name, Labels: labels, Data: value.toString('base64') })) as {
        id?: string;
        ID?: string;
      };
      return created.id ?? created.ID ?? (await this.idOf(name));
    } catch (err) {
      if (isConflict(err)) return this.idOf(name);
      throw err;
    }
  }

  private async idOf(name: string): Promise<string> {
    const found = await this.docker.listSecrets({ filters: { name: [name] } });
    const exact = found.find((s) => s.Spec?.Name === name);
    if (!exact) throw new Error(`Docker secret ${name} exists but cannot be listed`);
    return exact.ID;
  }
}
