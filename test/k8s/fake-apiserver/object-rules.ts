import type { StatusCause } from './status';
import type { KubeObject } from './object-store';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
/** metav1.MicroTime's wire format (RFC3339Micro): exactly six fraction digits. */
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$/;

/** ValidateAnnotations: keys and values together at most 256 KiB. */
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

function invalid(field: string, value: unknown, why: string): StatusCause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${why}`, field };
}

function qualifiedName(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  return (prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix))) && name.length <= 63 && NAME_PART.test(name);
}

/** ValidateObjectMeta: the name (a DNS-1123 subdomain), label keys and values, annotation keys. */
export function metadataCauses(o: KubeObject, path = 'metadata'): StatusCause[] {
  const causes: StatusCause[] = [];
  const m = o.metadata ?? {};
  if (path === 'metadata') {
    if (!m.name)
      causes.push({ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' });
    else if (m.name.length > 253 || !DNS_SUBDOMAIN.test(m.name))
      causes.push(
        invalid('metadata.name', m.name, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'"),
      );
  }
  for (const [k, v] of Object.entries(m.labels ?? {})) {
    if (!qualifiedName(k)) causes.push(invalid(`${path}.labels`, k, "name part must consist of alphanumeric characters, '-', '_' or '.'"));
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v))
      causes.push(
        invalid(`${path}.labels`, v, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'"),
      );
  }
  let size = 0;
  for (const [k, v] of Object.entries(m.annotations ?? {})) {
    if (!qualifiedName(k)) causes.push(invalid(`${path}.annotations`, k, 'name part must consist of alphanumeric characters'));
    size += k.length + String(v).length;
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT)
    causes.push({
      reason: 'FieldValueTooLong',
      message: `Too long: must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`,
      field: `${path}.annotations`,
    });
  return causes;
}

/** The apps/v1 Deployment rules the backend could break: selector ⊆ template labels, container names, replicas ≥ 0. */
export function deploymentCauses(o: KubeObject): StatusCause[] {
  const spec = (o.spec ?? {}) as {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    template?: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: { name: string }[] } };
  };
  const causes = metadataCauses(o);
  if (spec.template?.metadata)
    causes.push(...metadataCauses({ metadata: spec.template.metadata as KubeObject['metadata'] }, 'spec.template.metadata'));
  if (spec.replicas !== undefined && spec.replicas < 0)
    causes.push(invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  const selector = spec.selector?.matchLabels ?? {};
  if (!Object.keys(selector).length) causes.push(invalid('spec.selector', spec.selector, 'empty selector is invalid for deployment'));
  const labels = spec.template?.metadata?.labels ?? {};
  if (Object.entries(selector).some(([k, v]) => labels[k] !== v))
    causes.push(invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  (spec.template?.spec?.containers ?? []).forEach((c, i) => {
    if (!DNS_LABEL.test(c.name) || c.name.length > 63)
      causes.push(
        invalid(
          `spec.template.spec.containers[${i}].name`,
          c.name,
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'",
        ),
      );
  });
  return causes;
}

/** Secret data keys and base64 values. */
export function secretCauses(o: KubeObject): StatusCause[] {
  const causes = metadataCauses(o);
  for (const [k, v] of Object.entries((o.data ?? {}) as Record<string, string>)) {
    if (!SECRET_KEY.test(k)) causes.push(invalid('data', k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"));
    if (typeof v !== 'string' || Buffer.from(v, 'base64').toString('base64') !== v)
      causes.push(invalid(`data[${k}]`, '<value>', 'illegal base64 data'));
  }
  return causes;
}

/** Lease spec times must decode as MicroTime; returns the decode error the server would answer 400 with. */
export function leaseDecodeError(o: KubeObject): string | undefined {
  const spec = (o.spec ?? {}) as Record<string, unknown>;
  for (const field of ['acquireTime', 'renewTime']) {
    const v = spec[field];
    if (v !== undefined && (typeof v !== 'string' || !MICRO_TIME.test(v)))
      return `Lease in version "v1" cannot be handled as a Lease: parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05.000000Z07:00": cannot parse`;
  }
  return undefined;
}

/** A label selector as the backend writes them: `a`, `!a`, `a=b`, `a==b`, `a!=b`, comma-separated. */
export function parseSelector(text: string | null): (labels: Record<string, string>) => boolean {
  const terms = (text ?? '')
    .split(',')
    .filter(Boolean)
    .map((t) => t.trim());
  return (labels) =>
    terms.every((t) => {
      const ne = /^([^!=]+)!=(.*)$/.exec(t);
      if (ne) return labels[ne[1]] !== ne[2];
      const eq = /^([^!=]+)==?(.*)$/.exec(t);
      if (eq) return labels[eq[1]] === eq[2];
      if (t.startsWith('!')) return !(t.slice(1) in labels);
      return t in labels;
    });
}

/** resource.Quantity's parse rule: a value that does not match fails decoding (400), before validation. */
const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

/** Container resources must decode as quantities; returns the decode error the server would answer 400 with. */
export function quantityDecodeError(o: KubeObject): string | undefined {
  const containers =
    (o.spec as { template?: { spec?: { containers?: { resources?: Record<string, Record<string, unknown>> }[] } } })?.template?.spec
      ?.containers ?? [];
  for (const c of containers) {
    for (const kind of ['limits', 'requests']) {
      for (const v of Object.values(c.resources?.[kind] ?? {})) {
        if (typeof v !== 'string' || !QUANTITY.test(v))
          return `Deployment in version "v1" cannot be handled as a Deployment: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`;
      }
    }
  }
  return undefined;
}
