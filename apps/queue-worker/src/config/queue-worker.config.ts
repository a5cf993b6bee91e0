import { AsyncRetention, asyncRetentionOf, loadEnv } from '@skiff/config';
import { CallbackPolicy } from '@skiff/contracts';
import { parseCodes, RetryPolicy } from '../retry.policy';
import { QueueWorkerEnv } from './queue-worker.env';

/** Injection token of the queue-worker's configuration. */
export const QUEUE_WORKER_CONFIG = 'QUEUE_WORKER_CONFIG';

/** The queue-worker's configuration, typed. */
export interface QueueWorkerConfig {
  /** NATS server URL(s). */
  natsUrl: string;
  /** The queue-worker's NATS credentials file, if the bus needs one. */
  natsCreds?: string;
  /** HTTP port (health and metrics). */
  port: number;
  /** Address to bind. */
  host: string;
  /** Milliseconds to wait for in-flight work on shutdown. */
  gracePeriodMs: number;
  /** Message lease (ms). */
  ackWaitMs: number;
  /** Default per-function concurrency. */
  maxInflight: number;
  /** Default and largest call timeout (ms). */
  invokeTimeoutMs: number;
  /** Retry defaults. */
  retry: RetryPolicy;
  /** Callback delivery attempts. */
  callbackAttempts: number;
  /** Callback POST timeout (ms). */
  callbackTimeoutMs: number;
  /** Where callbacks may go (checked on every address a callback host resolves to). */
  callbackPolicy: CallbackPolicy;
  /** Timeout of the first callback POST made right after the call (ms); 0: always through the callback stream. */
  callbackInlineTimeoutMs: number;
  /** Stream and bucket retention. */
  store: AsyncRetention;
  /** Largest response body kept with a result. */
  resultBodyMax: number;
  /** Interval of the orphan / self-healing sweep (ms). */
  sweepIntervalMs: number;
  /** First token of every subject, stream and bucket name (SKIFF_SUBJECT_PREFIX). */
  subjectPrefix: string;
  /** Log level (SKIFF_LOG_LEVEL). */
  logLevel: string;
}

/** Validates the environment (throws EnvError naming every bad variable). */
export function queueWorkerConfig(env: NodeJS.ProcessEnv): QueueWorkerConfig {
  const e = loadEnv(QueueWorkerEnv, env);
  return {
    natsUrl: e.SKIFF_NATS_URL,
    natsCreds: e.SKIFF_NATS_CREDS,
    port: e.SKIFF_QUEUE_WORKER_PORT,
    host: e.SKIFF_BIND_ADDRESS,
    gracePeriodMs: e.SKIFF_SHUTDOWN_GRACE_MS,
    ackWaitMs: e.SKIFF_QUEUE_ACK_WAIT_MS,
    maxInflight: e.SKIFF_QUEUE_MAX_INFLIGHT,
    invokeTimeoutMs: e.SKIFF_QUEUE_INVOKE_TIMEOUT_MS,
    retry: {
      attempts: e.SKIFF_QUEUE_RETRY_ATTEMPTS,
      codes: parseCodes(e.SKIFF_QUEUE_RETRY_CODES) ?? new Set([408, 429, 500, 502, 503, 504]),
      minWaitMs: e.SKIFF_QUEUE_RETRY_MIN_WAIT_MS,
      maxWaitMs: Math.max(e.SKIFF_QUEUE_RETRY_MIN_WAIT_MS, e.SKIFF_QUEUE_RETRY_MAX_WAIT_MS),
    },
    callbackAttempts: e.SKIFF_QUEUE_CALLBACK_ATTEMPTS,
    callbackTimeoutMs: e.SKIFF_QUEUE_CALLBACK_TIMEOUT_MS,
    callbackPolicy: CallbackPolicy.parse(e.SKIFF_CALLBACK_ALLOW),
    callbackInlineTimeoutMs: e.SKIFF_QUEUE_CALLBACK_INLINE_TIMEOUT_MS,
    store: asyncRetentionOf(e),
    resultBodyMax: e.SKIFF_ASYNC_RESULT_BODY_MAX,
    sweepIntervalMs: e.SKIFF_QUEUE_SWEEP_INTERVAL_MS,
    subjectPrefix: e.SKIFF_SUBJECT_PREFIX,
    logLevel: e.SKIFF_LOG_LEVEL,
  };
}
