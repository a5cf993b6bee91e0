import type { ReplicaLimits } from './replica-limits';

/** One secret file of a replica (the value never leaves the provider process except into that file). */
export interface ReplicaSecretFile {
  /** File name under /var/openfaas/secrets. */
  name: string;
  /** Contents. */
  value: Buffer;
}

/** What the SandboxLauncher needs to isolate one replica. Not part of the template fingerprint (values!). */
export interface ReplicaSandboxSpec {
  /** Secret files the replica sees under /var/openfaas/secrets. */
  secrets: ReplicaSecretFile[];
  /** readOnlyRootFilesystem as deployed: the sandbox's root is read-only either way (writable /tmp only). */
  readOnlyRoot: boolean;
  /** Memory, CPU and process limits. */
  limits: ReplicaLimits;
}

/** Where the replica reads its secrets inside the sandbox (OpenFaaS's path). */
export const SECRETS_MOUNT = '/var/openfaas/secrets';

/** A secret as the backend reads it from the store. */
export interface SecretWithRevision extends ReplicaSecretFile {
  /** Store revision (changes with every write). */
  revision: number;
}

/**
 * The sandbox of a function's replicas and its fingerprint: secret names and revisions (never
 * values), limits and the read-only flag, so a change to any of them rolls the replicas.
 */
export function sandboxOf(
  spec: { limits?: { memory?: string; cpu?: string } | null; readOnlyRootFilesystem?: boolean },
  secrets: SecretWithRevision[],
  limits: ReplicaLimits,
): { sandbox: ReplicaSandboxSpec; fingerprint: string } {
  const sandbox: ReplicaSandboxSpec = {
    secrets: secrets.map(({ name, value }) => ({ name, value })),
    readOnlyRoot: spec.readOnlyRootFilesystem === true,
    limits,
  };
  const fingerprint = JSON.stringify({ secrets: secrets.map((s) => [s.name, s.revision]), readOnlyRoot: sandbox.readOnlyRoot, limits });
  return { sandbox, fingerprint };
}
