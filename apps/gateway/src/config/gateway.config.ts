import { loadEnv } from '@skiff/config';
import type { HttpLimits } from '@skiff/observability';
import type { AuthThrottleOptions } from '../auth/auth-throttle';
import { GatewayEnv } from './gateway.env';
import { parseDurationMs } from '@skiff/contracts/duration';
import { parseOrigins } from '../auth/cross-site';

/** Injection token of the gateway's validated configuration. */
export const GATEWAY_CONFIG = 'GATEWAY_CONFIG';

/** The gateway's configuration, typed and with durations in milliseconds. */
export interface GatewayConfig {
  /** NATS server URL(s). */
  natsUrl: string;
  /** The gateway's NATS credentials file, if the bus needs one. */
  natsCreds?: string;
  /** HTTP port. */
  port: number;
  /** Port of `/metrics` (0: any free port). */
  metricsPort: number;
  /** Address to bind. */
  host: string;
  /** Cap of every upstream call, in milliseconds. */
  upstreamTimeoutMs: number;
  /** Configured body limit (before the NATS cap). */
  maxBodyBytes: number;
  /** Namespace used when a request names none. */
  defaultNamespace: string;
  /** Milliseconds to wait for in-flight work on shutdown. */
  gracePeriodMs: number;
  /** Origins besides its own that may drive the admin API (normalised). */
  allowedOrigins: string[];
  /** Host names it answers to (SKIFF_GATEWAY_HOSTS), undefined when not set. */
  hosts: string | undefined;
  /** Client timeouts and the connection cap. */
  httpLimits: HttpLimits;
  /** Failed-login blocking per client address. */
  authThrottle: AuthThrottleOptions;
  /** First token of every subject, stream and bucket name (SKIFF_SUBJECT_PREFIX). */
  subjectPrefix: string;
  /** Log level (SKIFF_LOG_LEVEL). */
  logLevel: string;
  /** Commit of the build (SKIFF_GIT_SHA), empty when not given. */
  gitSha: string;
}

/** Client addresses the failed-login count remembers at most (about 100 bytes each). */
const AUTH_THROTTLE_ADDRESSES = 10_000;

/** Validates the environment (throws EnvError naming every bad variable): gateway.startup.ts does it once. */
export function gatewayConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  const e = loadEnv(GatewayEnv, env);
  const config: GatewayConfig = {
    natsUrl: e.SKIFF_NATS_URL,
    natsCreds: e.SKIFF_NATS_CREDS,
    port: e.SKIFF_GATEWAY_PORT,
    metricsPort: e.SKIFF_GATEWAY_METRICS_PORT,
    host: e.SKIFF_BIND_ADDRESS,
    upstreamTimeoutMs: parseDurationMs(e.SKIFF_UPSTREAM_TIMEOUT) as number,
    maxBodyBytes: e.SKIFF_MAX_BODY_BYTES,
    defaultNamespace: e.SKIFF_DEFAULT_NAMESPACE,
    gracePeriodMs: e.SKIFF_SHUTDOWN_GRACE_MS,
    allowedOrigins: (parseOrigins(e.SKIFF_GATEWAY_ALLOWED_ORIGINS) as { origins: string[] }).origins,
    hosts: e.SKIFF_GATEWAY_HOSTS.trim() || undefined,
    httpLimits: {
      headersTimeoutMs: e.SKIFF_GATEWAY_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.SKIFF_GATEWAY_REQUEST_TIMEOUT_MS,
      idleTimeoutMs: e.SKIFF_GATEWAY_IDLE_TIMEOUT_MS,
      maxConnections: e.SKIFF_GATEWAY_MAX_CONNECTIONS,
    },
    authThrottle: {
      maxFailures: e.SKIFF_GATEWAY_AUTH_MAX_FAILURES,
      windowMs: e.SKIFF_GATEWAY_AUTH_WINDOW_S * 1000,
      maxBlockMs: e.SKIFF_GATEWAY_AUTH_MAX_BLOCK_S * 1000,
      maxAddresses: AUTH_THROTTLE_ADDRESSES,
    },
    subjectPrefix: e.SKIFF_SUBJECT_PREFIX,
    logLevel: e.SKIFF_LOG_LEVEL,
    gitSha: e.SKIFF_GIT_SHA,
  };
  return config;
}
