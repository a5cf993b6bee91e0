import { IsInt, IsString, Max, Min } from 'class-validator';
import { loadEnv } from '@skiff/config';
import { CallbackPolicy, IsCallbackAllowList } from '@skiff/contracts';
import { AsyncStoreOptions } from '@skiff/nats';

/** Environment of the gateway's async API (the names are shared with the queue-worker). */
export class AsyncEnv {
  /** How long call states and results are kept. */
  @IsInt({ message: 'SKIFF_ASYNC_RESULT_TTL_S must be a whole number of seconds' })
  @Min(1)
  SKIFF_ASYNC_RESULT_TTL_S: number = 86_400;

  /** How long dead letters are kept. */
  @IsInt({ message: 'SKIFF_ASYNC_DEAD_LETTER_MAX_AGE_S must be a whole number of seconds' })
  @Min(1)
  SKIFF_ASYNC_DEAD_LETTER_MAX_AGE_S: number = 7 * 86_400;

  /** How long the gateway waits for the async stream's ack before answering 503. */
  @IsInt({ message: 'SKIFF_ASYNC_PUBLISH_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(100)
  @Max(120_000)
  SKIFF_ASYNC_PUBLISH_TIMEOUT_MS: number = 5000;

  /** Callback destinations allowed besides public addresses: CIDRs, addresses, host names (shared with the queue-worker). */
  @IsString()
  @IsCallbackAllowList()
  SKIFF_CALLBACK_ALLOW: string = '';
}

/** Injection token of the async API's own NATS connection (writes batched per event-loop turn). */
export const ASYNC_NATS = 'ASYNC_NATS';

/** Injection token of the async configuration. */
export const ASYNC_CONFIG = 'ASYNC_CONFIG';

/** The async API's configuration. */
export interface AsyncConfig {
  /** Stream and bucket retention. */
  store: AsyncStoreOptions;
  /** Longest wait for the stream's ack. */
  publishTimeoutMs: number;
  /** Where callbacks may go (literal hosts are checked here; the queue-worker checks resolved addresses). */
  callbacks: CallbackPolicy;
}

/** Validates the async variables (throws EnvError naming every bad one). */
export function asyncConfig(env: NodeJS.ProcessEnv = process.env): AsyncConfig {
  const e = loadEnv(AsyncEnv, env);
  return {
    store: { resultTtlMs: e.SKIFF_ASYNC_RESULT_TTL_S * 1000, deadLetterMaxAgeMs: e.SKIFF_ASYNC_DEAD_LETTER_MAX_AGE_S * 1000 },
    publishTimeoutMs: e.SKIFF_ASYNC_PUBLISH_TIMEOUT_MS,
    callbacks: CallbackPolicy.parse(e.SKIFF_CALLBACK_ALLOW),
  };
}
