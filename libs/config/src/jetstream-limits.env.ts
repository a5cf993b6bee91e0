import { IsInt, Max, Min } from 'class-validator';
import { loadEnv } from './load-env';
import { AsyncRetentionEnv } from './async-retention.env';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
/** Smallest byte limit accepted: below it nothing useful fits (a KV bucket holds records of several KiB). */
const MIN_BYTES = 64 * 1024;

/**
 * Storage quotas of every JetStream stream, KV bucket and object store the platform creates (the log
 * stream has its own, SKIFF_LOGS_MAX_BYTES). Every service validates them (BaseEnv extends this), and
 * whichever service opens a store first creates it with these limits; an existing store is brought to
 * them at start. Give every service the same values (`npm start` does). JetStream reserves each
 * store's max_bytes when it is created, so the server's JetStream storage must hold their sum (about
 * 3.4 GiB with these defaults, plus the log stream's). The async retention comes with them.
 */
export class JetStreamLimitsEnv extends AsyncRetentionEnv {
  /** Bytes of accepted async calls waiting or running (`<P>_ASYNC`); a full stream answers 507. */
  @IsInt({ message: 'SKIFF_ASYNC_MAX_BYTES must be a whole number of bytes' })
  @Min(MIN_BYTES)
  SKIFF_ASYNC_MAX_BYTES: number = 512 * MIB;

  /** Calls one function may have waiting or running in the async stream; the next gets 429. */
  @IsInt({ message: 'SKIFF_ASYNC_QUEUE_MAX must be a whole number of calls' })
  @Min(1)
  @Max(100_000_000)
  SKIFF_ASYNC_QUEUE_MAX: number = 100_000;

  /** Bytes of callbacks waiting for a retry (`<P>_CALLBACKS`). */
  @IsInt({ message: 'SKIFF_ASYNC_CALLBACKS_MAX_BYTES must be a whole number of bytes' })
  @Min(MIN_BYTES)
  SKIFF_ASYNC_CALLBACKS_MAX_BYTES: number = 128 * MIB;

  /** Bytes of dead letters (`<P>_DEAD_LETTERS`); a full store keeps further failed calls in the async stream. */
  @IsInt({ message: 'SKIFF_ASYNC_DEAD_LETTERS_MAX_BYTES must be a whole number of bytes' })
  @Min(MIN_BYTES)
  SKIFF_ASYNC_DEAD_LETTERS_MAX_BYTES: number = 256 * MIB;

  /** Bytes of async bodies stored out of line (`<P>_async_bodies`); a full store answers 507. */
  @IsInt({ message: 'SKIFF_ASYNC_BODIES_MAX_BYTES must be a whole number of bytes' })
  @Min(MIN_BYTES)
  SKIFF_ASYNC_BODIES_MAX_BYTES: number = GIB;

  /** Bytes of async call states and results (`<P>_async_results`). */
  @IsInt({ message: 'SKIFF_ASYNC_RESULTS_MAX_BYTES must be a whole number of bytes' })
  @Min(MIN_BYTES)
  SKIFF_ASYNC_RESULTS_MAX_BYTES: number = 256 * MIB;

  /** Bytes of topic messages not fanned out yet (`<P>_TOPICS`). */
  @IsInt({ message: 'SKIFF_TOPICS_MAX_BYTES must be a whole number of bytes' })
  @Min(MIN_BYTES)
  SKIFF_TOPICS_MAX_BYTES: number = 128 * MIB;

  /** Bytes of function bundles (`<P>_bundles`). */
  @IsInt({ message: 'SKIFF_BUNDLES_MAX_BYTES must be a whole number of bytes' })
  @Min(MIN_BYTES)
  SKIFF_BUNDLES_MAX_BYTES: number = GIB;

  /** Bytes of the metrics history stream `<P>_METRICS` (oldest points go first when full). */
  @IsInt({ message: 'SKIFF_METRICS_MAX_BYTES must be a whole number of bytes' })
  @Min(MIN_BYTES)
  SKIFF_METRICS_MAX_BYTES: number = 128 * MIB;

  /** Bytes of each small KV bucket: functions, secrets, namespaces, invocation counters. */
  @IsInt({ message: 'SKIFF_KV_MAX_BYTES must be a whole number of bytes' })
  @Min(MIN_BYTES)
  SKIFF_KV_MAX_BYTES: number = 16 * MIB;

  /**
   * Copies of every stream, KV bucket and object store (JetStream `num_replicas`): 1 on one server,
   * 3 on a cluster of three or more (each store then survives the loss of one server). Existing
   * stores are brought to it at start.
   */
  @IsInt({ message: 'SKIFF_JS_REPLICAS must be a whole number from 1 to 5' })
  @Min(1)
  @Max(5)
  SKIFF_JS_REPLICAS: number = 1;
}

/** The quotas, typed (bytes unless said otherwise). */
export interface JetStreamLimits {
  /** `<P>_ASYNC`. */
  asyncBytes: number;
  /** Waiting or running calls per function in `<P>_ASYNC` (max_msgs_per_subject, discard new per subject). */
  asyncQueuePerFunction: number;
  /** `<P>_CALLBACKS`. */
  callbacksBytes: number;
  /** `<P>_DEAD_LETTERS`. */
  deadLettersBytes: number;
  /** Object store `<P>_async_bodies`. */
  asyncBodiesBytes: number;
  /** KV `<P>_async_results`. */
  asyncResultsBytes: number;
  /** `<P>_TOPICS`. */
  topicsBytes: number;
  /** Object store `<P>_bundles`. */
  bundlesBytes: number;
  /** `<P>_METRICS`. */
  metricsBytes: number;
  /** Each small KV bucket (functions, secrets, namespaces, invocations). */
  kvBytes: number;
  /** Copies of every stream, KV bucket and object store (SKIFF_JS_REPLICAS). */
  replicas: number;
}

/** Validates the quota variables (throws EnvError naming every bad one): a service does it once, in its `*.startup.ts`. */
export function loadJetStreamLimits(env: NodeJS.ProcessEnv): JetStreamLimits {
  const e = loadEnv(JetStreamLimitsEnv, env);
  const limits: JetStreamLimits = {
    asyncBytes: e.SKIFF_ASYNC_MAX_BYTES,
    asyncQueuePerFunction: e.SKIFF_ASYNC_QUEUE_MAX,
    callbacksBytes: e.SKIFF_ASYNC_CALLBACKS_MAX_BYTES,
    deadLettersBytes: e.SKIFF_ASYNC_DEAD_LETTERS_MAX_BYTES,
    asyncBodiesBytes: e.SKIFF_ASYNC_BODIES_MAX_BYTES,
    asyncResultsBytes: e.SKIFF_ASYNC_RESULTS_MAX_BYTES,
    topicsBytes: e.SKIFF_TOPICS_MAX_BYTES,
    bundlesBytes: e.SKIFF_BUNDLES_MAX_BYTES,
    metricsBytes: e.SKIFF_METRICS_MAX_BYTES,
    kvBytes: e.SKIFF_KV_MAX_BYTES,
    replicas: e.SKIFF_JS_REPLICAS,
  };
  return limits;
}

let configured: JetStreamLimits | undefined;

/** Sets this process's quotas once, from its validated configuration (main.ts; test/setup-env.js for a test file). */
export function useJetStreamLimits(limits: JetStreamLimits): void {
  configured = limits;
}

/** This process's quotas, as useJetStreamLimits set them at start-up (throws before: nothing reads them at import time). */
export function jetStreamLimits(): JetStreamLimits {
  if (!configured)
    throw new Error('the JetStream quotas are not set yet: main.ts sets them from the validated configuration (useJetStreamLimits)');
  return configured;
}
