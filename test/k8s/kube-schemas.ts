import * as k8s from '@kubernetes/client-node';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Scale } from 'kubernetes-models/autoscaling/v1/Scale';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Lease } from 'kubernetes-models/coordination.k8s.io/v1/Lease';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

/** A kubernetes-models class: validates its data against the Kubernetes OpenAPI schema (ajv). */
type ModelClass = new (data: object) => object;

/**
 * The kinds Skiff sends or ships, by `apiVersion/kind`: the schema (kubernetes-models) and the
 * client's model name, whose attribute map lists every field the API knows (for strict field checks).
 */
const KINDS: Record<string, { model: ModelClass; type: string }> = {
  'apps/v1/Deployment': { model: Deployment, type: 'V1Deployment' },
  'apps/v1/StatefulSet': { model: StatefulSet, type: 'V1StatefulSet' },
  'autoscaling/v1/Scale': { model: Scale, type: 'V1Scale' },
  'autoscaling/v2/HorizontalPodAutoscaler': { model: HorizontalPodAutoscaler, type: 'V2HorizontalPodAutoscaler' },
  'coordination.k8s.io/v1/Lease': { model: Lease, type: 'V1Lease' },
  'networking.k8s.io/v1/Ingress': { model: Ingress, type: 'V1Ingress' },
  'networking.k8s.io/v1/NetworkPolicy': { model: NetworkPolicy, type: 'V1NetworkPolicy' },
  'policy/v1/PodDisruptionBudget': { model: PodDisruptionBudget, type: 'V1PodDisruptionBudget' },
  'rbac.authorization.k8s.io/v1/ClusterRole': { model: ClusterRole, type: 'V1ClusterRole' },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': { model: ClusterRoleBinding, type: 'V1ClusterRoleBinding' },
  'rbac.authorization.k8s.io/v1/Role': { model: Role, type: 'V1Role' },
  'rbac.authorization.k8s.io/v1/RoleBinding': { model: RoleBinding, type: 'V1RoleBinding' },
  'v1/ConfigMap': { model: ConfigMap, type: 'V1ConfigMap' },
  'v1/Namespace': { model: Namespace, type: 'V1Namespace' },
  'v1/Secret': { model: Secret, type: 'V1Secret' },
  'v1/Service': { model: Service, type: 'V1Service' },
  'v1/ServiceAccount': { model: ServiceAccount, type: 'V1ServiceAccount' },
};

/** One problem with an object, as `path: what`. */
export type SchemaError = string;

/**
 * Validates one object against the Kubernetes schema of its apiVersion and kind (types, formats,
 * required fields, enums) and, like `kubectl --validate=strict`, rejects fields the API does not have.
 */
export function validateKubeObject(object: unknown): SchemaError[] {
  const o = object as { apiVersion?: string; kind?: string } | null;
  if (!o || typeof o !== 'object') return ['object: must be a JSON object'];
  const entry = KINDS[`${o.apiVersion}/${o.kind}`];
  if (!entry) return [`${o.apiVersion}/${o.kind}: no schema registered for this kind (add it to test/k8s/kube-schemas.ts)`];
  const errors: SchemaError[] = [];
  try {
    (new entry.model(object as object) as { validate(): void }).validate();
  } catch (err) {
    const list = (err as { errors?: { instancePath?: string; message?: string }[] }).errors;
    if (list?.length) for (const e of list) errors.push(`${e.instancePath || '/'}: ${e.message}`);
    else errors.push(String((err as Error).message ?? err));
  }
  errors.push(...unknownFields(object, entry.type, ''));
  return errors;
}

interface Attribute {
  baseName: string;
  type: string;
}

/** Fields the client's model of `type` does not list (the model is generated from the same OpenAPI document). */
function unknownFields(value: unknown, type: string, path: string): SchemaError[] {
  if (value === null || value === undefined) return [];
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return Array.isArray(value) ? value.flatMap((v, i) => unknownFields(v, array[1], `${path}[${i}]`)) : [];
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return typeof value === 'object' ? Object.entries(value).flatMap(([k, v]) => unknownFields(v, map[1], `${path}.${k}`)) : [];
  const model = (k8s as unknown as Record<string, { getAttributeTypeMap?: () => Attribute[] } | undefined>)[type];
  if (!model?.getAttributeTypeMap || typeof value !== 'object') return [];
  const attributes = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  const errors: SchemaError[] = [];
  for (const [key, v] of Object.entries(value)) {
    const t = attributes.get(key);
    if (t === undefined) errors.push(`${path}.${key}: unknown field "${key}" in ${type}`);
    else errors.push(...unknownFields(v, t, `${path}.${key}`));
  }
  return errors;
}

/** True when a schema for `apiVersion/kind` is registered. */
export function knowsKind(apiVersion: string, kind: string): boolean {
  return `${apiVersion}/${kind}` in KINDS;
}
