import { resolve } from 'node:path';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { HttpServiceEnv, IsReadableFile, loadEnv } from '@skiff/config';

/**
 * How local replicas are isolated: `auto` requires the bubblewrap sandbox and refuses to start
 * replicas without it, `bwrap` also refuses to start the provider without it, `none` is the
 * explicit opt-out (function code runs unisolated as the provider's user).
 */
export const SANDBOX_MODES = ['auto', 'bwrap', 'none'] as const;

/** How local replicas' limits are enforced: `auto` tries cgroups, then rlimits. */
export const LIMIT_MODES = ['auto', 'cgroup', 'rlimit', 'none'] as const;

/** Backends the provider can drive. */
export const BACKENDS = ['local', 'swarm', 'kubernetes'] as const;

/** One of BACKENDS. */
export type BackendName = (typeof BACKENDS)[number];

/** Environment of the provider. */
export class ProviderEnv extends HttpServiceEnv {
  /** Port of the HTTP listener (only `/healthz` and `/metrics`; the API is on NATS). */
  @IsInt({ message: 'SKIFF_PROVIDER_PORT must be a whole number' })
  @Min(0)
  @Max(65_535)
  SKIFF_PROVIDER_PORT = 8081;

  /** Which backend runs the replicas. */
  @IsIn(BACKENDS as unknown as string[], { message: `SKIFF_BACKEND must be one of ${BACKENDS.join(', ')}` })
  SKIFF_BACKEND: BackendName = 'local';

  /** Built watchdog entry the local backend runs per replica (default: beside the provider in dist/). */
  @IsString()
  @IsNotEmpty()
  SKIFF_WATCHDOG_ENTRY = resolve(__dirname, '..', '..', '..', 'watchdog', 'src', 'main.js');

  /** First delay before restarting a crashed replica; doubles per consecutive crash. */
  @IsInt({ message: 'SKIFF_RESTART_BACKOFF_MIN_MS must be a whole number of milliseconds' })
  @Min(10)
  @Max(600_000)
  SKIFF_RESTART_BACKOFF_MIN_MS = 500;

  /** Longest delay before restarting a crashed replica. */
  @IsInt({ message: 'SKIFF_RESTART_BACKOFF_MAX_MS must be a whole number of milliseconds' })
  @Min(10)
  @Max(3_600_000)
  SKIFF_RESTART_BACKOFF_MAX_MS = 30_000;

  /** How long a rollout waits for new replicas to be ready before stopping the old ones anyway. */
  @IsInt({ message: 'SKIFF_ROLLOUT_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(0)
  @Max(3_600_000)
  SKIFF_ROLLOUT_TIMEOUT_MS = 60_000;

  /** Key sealing secret values at rest: base64 of 32 bytes; default a key file generated under SKIFF_DATA_DIR. */
  @IsString()
  SKIFF_SECRETS_KEY = '';

  /**
   * Host folders bound into every replica at their own path, comma-separated, read-only (`:rw` for
   * read-write): an explicit opening of the sandbox (tests use it for their fixtures). Never one
   * that contains SKIFF_DATA_DIR.
   */
  @IsString()
  SKIFF_SANDBOX_HOST_PATHS = '';

  /** Most processes and threads per replica (cgroup pids.max; RLIMIT_NPROC where cgroups are not writable). */
  @IsInt({ message: 'SKIFF_REPLICA_PIDS_MAX must be a whole number' })
  @Min(32, { message: 'SKIFF_REPLICA_PIDS_MAX must be at least 32 (the watchdog alone uses about a dozen threads)' })
  @Max(1_000_000)
  SKIFF_REPLICA_PIDS_MAX = 256;

  /** Memory limit of a replica whose function sets no limits.memory (a Kubernetes quantity; `0` for none). */
  @Matches(/^(0|[0-9]+(\.[0-9]+)?([eE][0-9]+)?([KMGTPE]i|[kKMGTPE])?)$/, {
    message: 'SKIFF_REPLICA_DEFAULT_MEMORY must be a memory quantity such as 512Mi, or 0 for none',
  })
  SKIFF_REPLICA_DEFAULT_MEMORY = '512Mi';

  /**
   * Pre-started watchdogs kept ready on the local backend (sandboxed, code loaded, no function yet):
   * a replica of a function without a bundle, secrets or limits of its own is one of these, given its
   * function, instead of a fresh process (cold start). Each is used once. 0 turns the pool off.
   */
  @IsInt({ message: 'SKIFF_WATCHDOG_POOL must be a whole number' })
  @Min(0, { message: 'SKIFF_WATCHDOG_POOL must be 0 or more' })
  @Max(16, { message: 'SKIFF_WATCHDOG_POOL must be at most 16' })
  SKIFF_WATCHDOG_POOL = 1;

  /**
   * Pre-started watchdogs for http-mode functions (`mode=http`), apart from SKIFF_WATCHDOG_POOL's:
   * these have also loaded and run the http forwarding code (undici) once, which saves an http
   * replica most of its start-up after its upstream, at about 25 MB more per pooled process (so the
   * other pool's replicas do not carry it). 0 turns it off: http functions use the other pool.
   */
  @IsInt({ message: 'SKIFF_WATCHDOG_POOL_HTTP must be a whole number' })
  @Min(0, { message: 'SKIFF_WATCHDOG_POOL_HTTP must be 0 or more' })
  @Max(16, { message: 'SKIFF_WATCHDOG_POOL_HTTP must be at most 16' })
  SKIFF_WATCHDOG_POOL_HTTP = 1;

  /** Replica isolation on the local backend (see SANDBOX_MODES). */
  @IsIn(SANDBOX_MODES as unknown as string[], { message: `SKIFF_SANDBOX must be one of ${SANDBOX_MODES.join(', ')}` })
  SKIFF_SANDBOX: (typeof SANDBOX_MODES)[number] = 'auto';

  /** Enforcement of limits.memory / limits.cpu on the local backend (see LIMIT_MODES). */
  @IsIn(LIMIT_MODES as unknown as string[], { message: `SKIFF_LIMITS must be one of ${LIMIT_MODES.join(', ')}` })
  SKIFF_LIMITS: (typeof LIMIT_MODES)[number] = 'auto';

  /** NATS URL handed to replicas (e.g. a user restricted to function subjects); default SKIFF_NATS_URL. */
  @IsString()
  SKIFF_REPLICA_NATS_URL = '';

  /**
   * The bus account's signing key and public key (`npm start` writes `SKIFF_DATA_DIR/bus/issuer.nk`):
   * with it the provider mints each replica a NATS user of its own, limited to its function.
   */
  @IsOptional()
  @IsReadableFile()
  SKIFF_NATS_ISSUER_FILE?: string = undefined;

  /**
   * Kubernetes backend: the kubeconfig file to use; empty means in-cluster (the pod's service
   * account) when KUBERNETES_SERVICE_HOST is set, else $KUBECONFIG or ~/.kube/config.
   */
  @IsString()
  SKIFF_KUBECONFIG = '';

  /** Kubernetes backend: the imagePullPolicy of function containers (`IfNotPresent` suits images loaded into kind/k3s). */
  @IsIn(['Always', 'IfNotPresent', 'Never'], { message: 'SKIFF_K8S_IMAGE_PULL_POLICY must be Always, IfNotPresent or Never' })
  SKIFF_K8S_IMAGE_PULL_POLICY: 'Always' | 'IfNotPresent' | 'Never' = 'IfNotPresent';

  /** Kubernetes backend: the namespace of the provider's leader Lease (its own namespace in the manifests). */
  @IsString()
  @Matches(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { message: 'SKIFF_K8S_LEASE_NAMESPACE must be a namespace name (a DNS label)' })
  SKIFF_K8S_LEASE_NAMESPACE = 'openfaas';

  /** swarm: the Docker Engine API of a swarm manager (`unix:///path` or `tcp://host:port`). */
  @Matches(/^(unix:\/\/\/.+|tcp:\/\/[^/\s]+:\d+)$/, { message: 'SKIFF_DOCKER_HOST must be unix:///path/to/docker.sock or tcp://host:port' })
  SKIFF_DOCKER_HOST = 'unix:///var/run/docker.sock';

  /**
   * swarm: the network function containers join: `host` (default; they reach a bus on the node's
   * loopback) or the name of an attachable overlay network the bus is on.
   */
  @IsString()
  @IsNotEmpty()
  SKIFF_SWARM_NETWORK = 'host';

  /** swarm: the user function containers run as (`uid:gid`; never root). */
  @Matches(/^[1-9][0-9]*:[0-9]+$/, { message: 'SKIFF_SWARM_FUNCTION_USER must be uid:gid with a uid other than 0, such as 1000:1000' })
  SKIFF_SWARM_FUNCTION_USER = '1000:1000';

  /** swarm: how often services and tasks are listed again besides the Docker events stream. */
  @IsInt({ message: 'SKIFF_SWARM_RECONCILE_MS must be a whole number of milliseconds' })
  @Min(200)
  @Max(600_000)
  SKIFF_SWARM_RECONCILE_MS = 2_000;

  /** Commit the build came from (else `git rev-parse HEAD`, else `unknown`). */
  @IsString()
  SKIFF_GIT_SHA = '';
}

/** How the provider splits SKIFF_SHUTDOWN_GRACE_MS between stopping replicas and draining its RPC server. */
export interface ShutdownBudget {
  /** Nest's NATS server waits this long (unconditionally) after unsubscribing; RPCs are short. */
  rpcGraceMs: number;
  /** SIGTERM → SIGKILL delay of each replica. */
  replicaStopGraceMs: number;
}

/** Replicas stop first, then the RPC server drains, and the whole shutdown fits in the grace. */
export function shutdownBudget(graceMs: number): ShutdownBudget {
  const rpcGraceMs = Math.min(2_000, Math.floor(graceMs / 4));
  return { rpcGraceMs, replicaStopGraceMs: Math.max(100, graceMs - rpcGraceMs - 500) };
}

/** Validates the provider's environment (throws EnvError naming every bad variable): provider.startup.ts does it once. */
export function providerEnv(env: NodeJS.ProcessEnv): ProviderEnv {
  return loadEnv(ProviderEnv, env);
}

/** Injection token of the ProviderEnv. */
export const PROVIDER_ENV = 'PROVIDER_ENV';
