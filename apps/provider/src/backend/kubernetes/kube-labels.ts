import { createHash } from 'node:crypto';

/** Every pod of a function carries it (OpenFaaS: `faas_function=<name>`); the Deployment selects on it. */
export const FUNCTION_LABEL = 'faas_function';
/** Marks what Skiff made, so it never touches anything else. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'skiff';
/** The platform (subject prefix) a function belongs to: several platforms can share a cluster. */
export const PLATFORM_LABEL = 'skiff.dev/platform';
/** On the Deployment: a hash of everything Skiff sets but the replica count; equal hashes mean no rollout. */
export const SPEC_HASH_ANNOTATION = 'skiff.dev/spec-hash';
/** On the pod template: the revisions of the function's secrets, so a changed secret rolls the pods. */
export const SECRETS_REVISION_ANNOTATION = 'skiff.dev/secrets-revision';
/** Label a namespace needs before Skiff deploys into it (faas-netes: `openfaas=1`). */
export { NAMESPACE_LABEL, NAMESPACE_LABEL_VALUES } from '@skiff/contracts';

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A Kubernetes label or annotation key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
export function isQualifiedName(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && NAME_PART.test(name);
}

/** A Kubernetes label value: at most 63 characters, alphanumeric at both ends. */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

/** PLATFORM_LABEL's value: the prefix when it is a valid label value, else a short hash of it. */
export function platformLabelValue(prefix: string): string {
  return isLabelValue(prefix) ? prefix : `p-${createHash('sha256').update(prefix).digest('hex').slice(0, 16)}`;
}

/** The labels of everything Skiff makes for one function. */
export function ownLabels(prefix: string, name: string): Record<string, string> {
  return { [FUNCTION_LABEL]: name, [MANAGED_BY_LABEL]: MANAGED_BY, [PLATFORM_LABEL]: platformLabelValue(prefix) };
}

/** The label selector of everything Skiff makes for one platform. */
export function platformSelector(prefix: string): string {
  return `${FUNCTION_LABEL},${MANAGED_BY_LABEL}=${MANAGED_BY},${PLATFORM_LABEL}=${platformLabelValue(prefix)}`;
}

/** Names of the Secrets Skiff keeps per function. */
export const secretNames = {
  /** The function's NATS credentials (key `nats.creds`). */
  bus: (name: string) => `skiff-bus-${name}`,
  /** The function's secrets, one key each, projected at /var/openfaas/secrets. */
  secrets: (name: string) => `skiff-secrets-${name}`,
};

/**
 * OpenFaaS constraints as node selectors: `key=value` and `key == value` (swarm's form) become
 * `nodeSelector[key] = value`; anything else (`!=`, other operators) cannot be a node selector and is returned as unsupported.
 */
export function nodeSelectorOf(constraints: string[] | undefined): { nodeSelector: Record<string, string>; unsupported: string[] } {
  const nodeSelector: Record<string, string> = {};
  const unsupported: string[] = [];
  for (const c of constraints ?? []) {
    const m = /^\s*([^=!<>\s]+)\s*==?\s*([^=\s]+)\s*$/.exec(c);
    if (m && isQualifiedName(m[1]) && isLabelValue(m[2])) nodeSelector[m[1]] = m[2];
    else unsupported.push(c);
  }
  return { nodeSelector, unsupported };
}

/** Splits user labels into valid Kubernetes labels and the rest (kept in the registry, not on the pods). */
export function kubeLabels(labels: Record<string, string> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {})) if (isQualifiedName(k) && isLabelValue(v)) out[k] = v;
  return out;
}

/** User annotations whose keys Kubernetes accepts. */
export function kubeAnnotations(annotations: Record<string, string> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(annotations ?? {})) if (isQualifiedName(k)) out[k] = v;
  return out;
}
