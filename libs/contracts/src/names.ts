/** Namespace used when a request names none (OpenFaaS default). */
export const DEFAULT_NAMESPACE = 'openfaas-fn';

/** RFC 1123 DNS label, the rule OpenFaaS providers apply to function names and namespaces. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Longest DNS label. */
export const DNS_LABEL_MAX = 63;

/** True when `value` is a DNS-1123 label of at most 63 characters. */
export function isDnsLabel(value: unknown): value is string {
  return typeof value === 'string' && value.length <= DNS_LABEL_MAX && DNS_LABEL.test(value);
}

/** A function's identity. */
export interface FunctionRefLike {
  /** Function name (DNS label). */
  name: string;
  /** Namespace (DNS label). */
  namespace: string;
}

/**
 * Splits a URL function reference `name[.namespace]` on its last dot, as OpenFaaS does.
 * Returns undefined when either part is not a DNS label.
 */
export function parseFunctionRef(ref: string, defaultNamespace = DEFAULT_NAMESPACE): FunctionRefLike | undefined {
  const dot = ref.lastIndexOf('.');
  const name = dot < 0 ? ref : ref.slice(0, dot);
  const namespace = dot < 0 ? defaultNamespace : ref.slice(dot + 1);
  if (!isDnsLabel(name) || !isDnsLabel(namespace)) return undefined;
  return { name, namespace };
}
