import type { ServiceSpec } from 'dockerode';
import { FunctionRecord } from '@skiff/contracts';
import { cpuMillis, memoryBytes } from '@skiff/contracts/resource-quantity';
import { LABELS, hashOf, serviceName } from './swarm-names';
import { functionOwnEnv, watchdogPlatformEnv } from '../watchdog-env';

/** Where OpenFaaS functions find their secrets. */
export const SECRETS_DIR = '/var/openfaas/secrets';
/** Where the watchdog finds its bus credentials (a Docker secret, never the environment or a command line). */
export const CREDENTIALS_FILE = '/var/run/skiff/nats.creds';
/** The file the watchdog keeps while it takes calls; the health check tests for it (as OpenFaaS's /tmp/.lock). */
export const LOCK_FILE = '/tmp/.lock';

const SECOND_NS = 1_000_000_000;

/** A Docker secret to mount into the function's containers. */
export interface MountedSecret {
  /** Docker secret ID and name. */
  id: string;
  dockerName: string;
  /** Absolute path in the container. */
  target: string;
}

/** Platform settings every function service gets. */
export interface ServiceSettings {
  prefix: string;
  natsUrl: string;
  logLevel: string;
  /** `uid:gid` of the function's processes. */
  user: string;
  /** Network ID or name the tasks attach to (`host` for the node's network). */
  network: string;
}

/**
 * The Docker service of one function. The watchdog is the image's entrypoint; the platform's
 * `SKIFF_*` variables come last so a function cannot override them. Replica identity comes from the
 * task (`{{.Task.ID}}`, expanded by Docker per task), readiness from the watchdog's lock file.
 */
export function buildServiceSpec(
  record: FunctionRecord,
  settings: ServiceSettings,
  secrets: MountedSecret[],
  credentials?: MountedSecret,
): ServiceSpec {
  const { spec } = record;
  const [uid, gid] = settings.user.split(':');
  const env = functionOwnEnv(spec);
  Object.assign(env, {
    ...watchdogPlatformEnv(settings, spec),
    SKIFF_INSTANCE: `${spec.service}-{{.Task.ID}}`,
    // Tasks may share the node's network: no listener, the health check reads the lock file.
    SKIFF_WATCHDOG_PORT: 'off',
    SKIFF_LOCK_FILE: LOCK_FILE,
    ...(credentials ? { SKIFF_NATS_CREDS: credentials.target } : {}),
  });
  const labels: Record<string, string> = { ...(spec.labels ?? {}) };
  for (const [key, value] of Object.entries(spec.annotations ?? {})) labels[`${LABELS.annotation}${key}`] = value;
  Object.assign(labels, { [LABELS.prefix]: settings.prefix, [LABELS.function]: spec.service, [LABELS.namespace]: spec.namespace });

  const secretRefs = [...secrets, ...(credentials ? [credentials] : [])].map((s) => ({
    SecretID: s.id,
    SecretName: s.dockerName,
    File: { Name: s.target, UID: uid, GID: gid, Mode: 0o400 },
  }));
  const limits = resources(spec.limits);
  const reservations = resources(spec.requests);
  const update = { Parallelism: 1, Order: 'start-first', FailureAction: 'pause', Monitor: 5 * SECOND_NS, Delay: 0 };

  const serviceSpec: ServiceSpec = {
    Name: serviceName(settings.prefix, spec.namespace, spec.service),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: spec.image,
        Labels: { [LABELS.prefix]: settings.prefix, [LABELS.function]: spec.service, [LABELS.namespace]: spec.namespace },
        Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        User: settings.user,
        ReadOnly: spec.readOnlyRootFilesystem === true,
        // A writable /tmp of its own in every container (the only writable place with a read-only root).
        Mounts: [{ Type: 'tmpfs', Source: '', Target: '/tmp', TmpfsOptions: { SizeBytes: 64 * 1024 * 1024, Mode: 0o1777 } }],
        Secrets: secretRefs,
        CapabilityDrop: ['ALL'],
        // The watchdog drains in-flight calls on SIGTERM (up to its write_timeout, 30 s by default).
        StopGracePeriod: 35 * SECOND_NS,
        HealthCheck: {
          Test: ['CMD-SHELL', `[ -e ${LOCK_FILE} ] || exit 1`],
          Interval: 2 * SECOND_NS,
          // Generous: on a loaded node an exec can take seconds, and a failed check pauses a rolling update.
          Timeout: 10 * SECOND_NS,
          StartPeriod: 60 * SECOND_NS,
          Retries: 3,
        },
      },
      Resources: {
        ...(limits ? { Limits: limits } : {}),
        ...(reservations ? { Reservations: reservations } : {}),
      },
      RestartPolicy: { Condition: 'any', Delay: SECOND_NS },
      Placement: { Constraints: spec.constraints ?? [] },
      Networks: [{ Target: settings.network }],
    },
    Mode: { Replicated: { Replicas: record.replicas } },
    UpdateConfig: update,
    RollbackConfig: update,
  };
  serviceSpec.Labels![LABELS.specHash] = specHash(serviceSpec);
  return serviceSpec;
}

/** The hash of everything but the replica count (and the hash label itself). */
export function specHash(spec: ServiceSpec): string {
  const labels = { ...(spec.Labels ?? {}) };
  delete labels[LABELS.specHash];
  return hashOf({ ...spec, Labels: labels, Mode: undefined });
}

function resources(res: { memory?: string; cpu?: string } | null | undefined): { NanoCPUs?: number; MemoryBytes?: number } | undefined {
  const memory = memoryBytes(res?.memory);
  const cpu = cpuMillis(res?.cpu);
  if (memory === undefined && cpu === undefined) return undefined;
  return { ...(cpu !== undefined ? { NanoCPUs: cpu * 1_000_000 } : {}), ...(memory !== undefined ? { MemoryBytes: memory } : {}) };
}
