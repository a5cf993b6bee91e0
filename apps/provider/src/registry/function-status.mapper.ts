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

/**
 * The spec as stored: namespace filled in, empty maps/lists and deprecated fields dropped,
 * so that the registry holds plain JSON (no class instances, no nulls).
 */
export function normalizeSpec(dep: FunctionDeployment, namespace: string): FunctionRecord['spec'] {
  const spec: FunctionRecord['spec'] = { service: dep.service, image: dep.image, namespace };
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
 * The OpenFaaS FunctionStatus of a record (reference §1.7, quirk §12.4.1): labels and
 * annotations always present, `faas_function` label added, empty collections and zero
 * replica counts omitted.
 */
export function toFunctionStatus(record: FunctionRecord, counts: Pick<ReplicaCounts, 'available'>): FunctionStatus {
  const { spec } = record;
  const status: FunctionStatus = {
    name: spec.service,
    image: spec.image,
    namespace: spec.namespace,
    labels: { ...(spec.labels ?? {}), [FUNCTION_LABEL]: spec.service },
    annotations: { ...(spec.annotations ?? {}) },
    createdAt: record.createdAt,
  };
  if (spec.envProcess) status.envProcess = spec.envProcess;
  const envVars = nonEmptyMap(spec.envVars);
  if (envVars) status.envVars = envVars;
  const constraints = nonEmptyList(spec.constraints);
  if (constraints) status.constraints = constraints;
  const secrets = nonEmptyList(spec.secrets);
  if (secrets) status.secrets = secrets;
  const limits = nonEmptyResources(spec.limits);
  if (limits) status.limits = limits;
  const requests = nonEmptyResources(spec.requests);
  if (requests) status.requests = requests;
  if (spec.readOnlyRootFilesystem) status.readOnlyRootFilesystem = true;
  if (record.replicas > 0) status.replicas = record.replicas;
  if (counts.available > 0) status.availableReplicas = counts.available;
  return status;
}
