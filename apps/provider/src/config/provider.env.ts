import { resolve } from 'node:path';
import { IsIn, IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import { HttpServiceEnv, loadEnv } from '@skiff/config';

/** How local replicas are isolated: `auto` uses bubblewrap when installed, `bwrap` requires it, `none` never. */
export const SANDBOX_MODES = ['auto', 'bwrap', 'none'] as const;

/** How local replicas' limits are enforced: `auto` tries cgroups, then rlimits. */
export const LIMIT_MODES = ['auto', 'cgroup', 'rlimit', 'none'] as const;

/** Backends the provider can drive; swarm and kubernetes come later. */
export const BACKENDS = ['local'] as const;

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

  /** Replica isolation on the local backend (see SANDBOX_MODES). */
  @IsIn(SANDBOX_MODES as unknown as string[], { message: `SKIFF_SANDBOX must be one of ${SANDBOX_MODES.join(', ')}` })
  SKIFF_SANDBOX: (typeof SANDBOX_MODES)[number] = 'auto';

  /** Enforcement of limits.memory / limits.cpu on the local backend (see LIMIT_MODES). */
  @IsIn(LIMIT_MODES as unknown as string[], { message: `SKIFF_LIMITS must be one of ${LIMIT_MODES.join(', ')}` })
  SKIFF_LIMITS: (typeof LIMIT_MODES)[number] = 'auto';

  /** NATS URL handed to replicas (e.g. a user restricted to function subjects); default SKIFF_NATS_URL. */
  @IsString()
  SKIFF_REPLICA_NATS_URL = '';

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

let cached: ProviderEnv | undefined;

/** The provider's validated environment, read once per process. */
export function providerEnv(): ProviderEnv {
  cached ??= loadEnv(ProviderEnv);
  return cached;
}

/** Injection token of the ProviderEnv. */
export const PROVIDER_ENV = 'PROVIDER_ENV';
