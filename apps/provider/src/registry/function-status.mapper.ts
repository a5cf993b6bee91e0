import { FunctionDeployment, FunctionRecord, FunctionResources, FunctionStatus } from '@skiff/contracts';
import { ReplicaCounts } from '../backend/function-backend';

/** Label every function carries, as on faas-netes pods. */
export const FUNCTION_LABEL = 'faas_function';

function nonEmptyMap(map: Record<string, string> | null | undefined): Record<string, string> | undefined {
  return map && Object.keys(map).length ? { ...map } : undefined;
}

function nonEmptyList(list: string[] | null | undefined): string[] | undefined {
  return list && list.length ? [...list] : undefined;
}

function nonEmptyResources(res: FunctionResources | null | undefined): FunctionResources | undefined {
  if (!res) return undefined;
  const entries = Object.entries(res).filter(([, v]) => typeof v === 'string' && v !== '');
  return entries.length ? (Object.fromEntries(entries) as FunctionResources) : undefined;
}

/** The fields a stored spec keeps (deprecated deployment fields are not stored). */
type StoredSpec = Pick<
  FunctionRecord['spec'],
  | 'service'
  | 'image'
  | 'namespace'
  | 'envProcess'
  | 'envVars'
  | 'constraints'
  | 'secrets'
  | 'labels'
  | 'annotations'
  | 'readOnlyRootFilesystem'
> & { limits?: FunctionResources; requests?: FunctionResources };

/**
 * The spec as stored: namespace filled in, empty maps/lists and deprecated fields dropped,
 * so that the registry holds plain JSON (no class instances, no nulls).
 */
export function normalizeSpec(dep: FunctionDeployment, namespace: string): StoredSpec {
  const spec: StoredSpec = { service: dep.service, image: dep.image, namespace };
  if (dep.envProcess) spec.envProcess = dep.envProcess;
  const envVars = nonEmptyMap(dep.envVars);
  if (envVars) spec.envVars = envVars;
  const constraints = nonEmptyList(dep.constraints);
  if (constraints) spec.constraints = constraints;
  const secrets = nonEmptyList(dep.secrets);
  if (secrets) spec.secrets = secrets;
  const labels = nonEmptyMap(dep.labels);
  if (labels) spec.labels = labels;
  const annotations = nonEmptyMap(dep.annotations);
  if (annotations) spec.annotations = annotations;
  const limits = nonEmptyResources(dep.limits);
  if (limits) spec.limits = limits;
  const requests = nonEmptyResources(dep.requests);
  if (requests) spec.requests = requests;
  if (dep.readOnlyRootFilesystem) spec.readOnlyRootFilesystem = true;
  return spec;
}

/**
 * The OpenFaaS FunctionStatus of a record: labels and
 * annotations always present, `faas_function` label added, empty collections and zero
 * replica counts omitted (the same filtering as when the spec was stored).
 */
export function toFunctionStatus(record: FunctionRecord, counts: Pick<ReplicaCounts, 'available'>): FunctionStatus {
  const { service, image, namespace, labels, annotations, ...optional } = normalizeSpec(record.spec, record.spec.namespace);
  const status: FunctionStatus = {
    name: service,
    image,
    namespace,
    labels: { ...labels, [FUNCTION_LABEL]: service },
    annotations: { ...annotations },
    ...optional,
    createdAt: record.createdAt,
  };
  if (record.replicas > 0) status.replicas = record.replicas;
  if (counts.available > 0) status.availableReplicas = counts.available;
  return status;
}
