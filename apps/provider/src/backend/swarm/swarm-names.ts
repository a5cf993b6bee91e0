import { createHash } from 'node:crypto';

/** Labels Skiff puts on the services and secrets it makes, to list and adopt them. */
export const LABELS = {
  /** The platform (subject prefix) the object belongs to: one swarm can host several platforms. */
  prefix: 'com.skiff.prefix',
  /** The function's name, under the label OpenFaaS's swarm provider used. */
  function: 'com.openfaas.function',
  namespace: 'com.skiff.namespace',
  /** Hash of the service spec Skiff wrote, replicas left out: equal hashes need no rolling update. */
  specHash: 'com.skiff.spec-hash',
  /** Prefix of the labels carrying the function's annotations (as faas-swarm stored them). */
  annotation: 'com.openfaas.annotations.',
  /** On a Docker secret: the Skiff secret it holds (`<name>`), or `nats` for a function's bus credentials. */
  secret: 'com.skiff.secret',
  /** On a bus credentials secret: the function it was minted for (`<ns>.<fn>`). */
  credentialsOf: 'com.skiff.credentials-of',
} as const;

/** Longest Docker object name kept readable; longer ones are cut and made unique with a hash. */
const MAX_NAME = 63;

/**
 * A Docker object name made of `parts` (service names allow letters, digits and `-`): lower-cased,
 * other characters replaced; when that changed anything or the name is too long, a hash of the
 * original keeps different inputs apart.
 */
export function dockerName(...parts: string[]): string {
  const original = parts.join('-');
  const clean = original.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  if (clean === original && clean.length <= MAX_NAME) return clean;
  const hash = createHash('sha256').update(original).digest('hex').slice(0, 8);
  return `${clean.slice(0, MAX_NAME - 9).replace(/-+$/, '')}-${hash}`;
}

/** The service of one function. */
export function serviceName(prefix: string, namespace: string, name: string): string {
  return dockerName(prefix, namespace, name);
}

/** The Docker secret holding one revision of one Skiff secret (Docker secrets are immutable). */
export function secretName(prefix: string, namespace: string, secret: string, revision: number): string {
  return dockerName(prefix, namespace, 's', secret, `r${revision}`);
}

/** A Docker secret holding one function's bus credentials (`mint` tells the versions apart). */
export function credentialsName(prefix: string, namespace: string, name: string, mint: string): string {
  return dockerName(prefix, namespace, name, 'nats', mint);
}

/** Short stable hash of a JSON value. */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}
