import { createHash } from 'node:crypto';
import type {
  V1Container,
  V1Deployment,
  V1EnvVar,
  V1ResourceRequirements,
  V1Secret,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { FunctionRecord, FunctionResources } from '@skiff/contracts';
import { functionOwnEnv, watchdogPlatformEnv } from '../watchdog-env';
import {
  FUNCTION_LABEL,
  SECRETS_REVISION_ANNOTATION,
  SPEC_HASH_ANNOTATION,
  kubeAnnotations,
  kubeLabels,
  nodeSelectorOf,
  ownLabels,
  secretNames,
} from './kube-labels';

/**
 * The port of the watchdog's `/_/health` and `/_/ready` (the pod's probes; SKIFF_WATCHDOG_PORT): 8081, so a
 * bridged stock image's own watchdog keeps :8080 (the bridge's default health port is 8081 too).
 */
export const WATCHDOG_PORT = 8081;
/** Where the function's secrets appear (OpenFaaS). */
export const SECRETS_DIR = '/var/openfaas/secrets';
/** Where the replica's NATS credentials appear (outside the secrets folder, so `ls` of it shows only the user's). */
export const BUS_DIR = '/var/run/skiff/bus';
/** The credentials file's key in the bus Secret. */
export const BUS_CREDS_KEY = 'nats.creds';
/** The uid and gid function containers run as (the watchdog image's `app` user). */
export const FUNCTION_UID = 1000;

/** Platform settings every function's pods get. */
export interface PodSettings {
  /** Subject prefix. */
  prefix: string;
  /** NATS URL(s) the replicas connect to. */
  natsUrl: string;
  /** True when the function has its own NATS user (the bus Secret is mounted). */
  busCredentials: boolean;
  logLevel: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** Hash of the revisions of the function's secrets (empty: no secrets). */
  secretsRevision: string;
  /** SIGTERM → SIGKILL delay: the watchdog drains in-flight calls within it. */
  terminationGraceSeconds: number;
}

/** The Deployment of one function and what could not be expressed in it. */
export interface FunctionManifest {
  deployment: V1Deployment;
  /** Constraints that are not node selectors (ignored, reported). */
  unsupportedConstraints: string[];
}

/** The Deployment that runs `record`'s replicas (spec hash annotated; replicas = the desired count). */
export function functionDeployment(record: FunctionRecord, settings: PodSettings): FunctionManifest {
  const { spec } = record;
  const name = spec.service;
  const own = ownLabels(settings.prefix, name);
  const { nodeSelector, unsupported } = nodeSelectorOf(spec.constraints);
  const labels = { ...kubeLabels(spec.labels), ...own };
  const podAnnotations: Record<string, string> = { ...kubeAnnotations(spec.annotations) };
  if (settings.secretsRevision) podAnnotations[SECRETS_REVISION_ANNOTATION] = settings.secretsRevision;
  const hasSecrets = (spec.secrets ?? []).length > 0;

  const mounts: V1VolumeMount[] = [{ name: 'tmp', mountPath: '/tmp' }];
  const volumes: V1Volume[] = [{ name: 'tmp', emptyDir: {} }];
  if (hasSecrets) {
    mounts.push({ name: 'secrets', mountPath: SECRETS_DIR, readOnly: true });
    volumes.push({ name: 'secrets', projected: { defaultMode: 0o444, sources: [{ secret: { name: secretNames.secrets(name) } }] } });
  }
  if (settings.busCredentials) {
    mounts.push({ name: 'bus', mountPath: BUS_DIR, readOnly: true });
    volumes.push({ name: 'bus', secret: { secretName: secretNames.bus(name), defaultMode: 0o444 } });
  }

  const container: V1Container = {
    name,
    image: spec.image,
    imagePullPolicy: settings.imagePullPolicy,
    env: functionEnv(record, settings),
    ports: [{ name: 'health', containerPort: WATCHDOG_PORT, protocol: 'TCP' }],
    livenessProbe: { httpGet: { path: '/_/health', port: 'health' }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: '/_/ready', port: 'health' }, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 2 },
    resources: resourcesOf(spec.limits, spec.requests),
    volumeMounts: mounts,
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };

  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: spec.namespace, labels, annotations: {} },
    spec: {
      replicas: record.replicas,
      selector: { matchLabels: { [FUNCTION_LABEL]: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      revisionHistoryLimit: 3,
      template: {
        metadata: { labels, annotations: podAnnotations },
        spec: {
          containers: [container],
          volumes,
          nodeSelector: Object.keys(nodeSelector).length ? nodeSelector : undefined,
          // Function code gets no Kubernetes API access and no service environment variables.
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: settings.terminationGraceSeconds,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: FUNCTION_UID,
            runAsGroup: FUNCTION_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
        },
      },
    },
  };
  const hash = createHash('sha256')
    .update(JSON.stringify([deployment.metadata?.labels, deployment.spec?.template, deployment.spec?.strategy]))
    .digest('hex')
    .slice(0, 32);
  deployment.metadata!.annotations = { ...kubeAnnotations(spec.annotations), [SPEC_HASH_ANNOTATION]: hash };
  return { deployment, unsupportedConstraints: unsupported };
}

/** Function variables first, then `fprocess`, then the platform's, which a function cannot override. */
function functionEnv(record: FunctionRecord, settings: PodSettings): V1EnvVar[] {
  const { spec } = record;
  const env = functionOwnEnv(spec);
  Object.assign(env, watchdogPlatformEnv(settings, spec), { SKIFF_WATCHDOG_PORT: String(WATCHDOG_PORT) });
  if (settings.busCredentials) env.SKIFF_NATS_CREDS = `${BUS_DIR}/${BUS_CREDS_KEY}`;
  else delete env.SKIFF_NATS_CREDS;
  delete env.SKIFF_INSTANCE;
  const out: V1EnvVar[] = Object.entries(env).map(([name, value]) => ({ name, value }));
  // Each replica is its pod: its name is the instance in its log and event subjects.
  out.push({ name: 'SKIFF_INSTANCE', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
  return out;
}

const RESOURCE_NAMES = ['memory', 'cpu', 'nvidia.com/gpu', 'amd.com/gpu', 'intel.com/gpu'] as const;

function resourcesOf(limits?: FunctionResources | null, requests?: FunctionResources | null): V1ResourceRequirements | undefined {
  const pick = (r?: FunctionResources | null) => {
    const out: Record<string, string> = {};
    for (const key of RESOURCE_NAMES) if (r?.[key]) out[key] = r[key];
    return Object.keys(out).length ? out : undefined;
  };
  const l = pick(limits);
  const q = pick(requests);
  return l || q ? { limits: l, requests: q } : undefined;
}

/** A Secret Skiff keeps for a function (owned by it: same labels). */
export function functionSecret(prefix: string, namespace: string, fn: string, name: string, data: Record<string, Buffer>): V1Secret {
  const encoded: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) encoded[k] = v.toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: ownLabels(prefix, fn) },
    type: 'Opaque',
    immutable: false,
    data: encoded,
  };
}
