import { IsInt, IsString, Max, Min } from 'class-validator';
import { AsyncRetention, AsyncRetentionEnv, asyncRetentionOf, loadEnv } from '@skiff/config';
import { CallbackPolicy, IsCallbackAllowList } from '@skiff/contracts';

/** Environment of the gateway's async API (the names are shared with the queue-worker). */
export class AsyncEnv extends AsyncRetentionEnv {
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
  store: AsyncRetention;
  /** Longest wait for the stream's ack. */
  publishTimeoutMs: number;
  /** Where callbacks may go (literal hosts are checked here; the queue-worker checks resolved addresses). */
  callbacks: CallbackPolicy;
}

/** Validates the async variables (throws EnvError naming every bad one). */
export function asyncConfig(env: NodeJS.ProcessEnv): AsyncConfig {
  const e = loadEnv(AsyncEnv, env);
  return {
    store: asyncRetentionOf(e),
    publishTimeoutMs: e.SKIFF_ASYNC_PUBLISH_TIMEOUT_MS,
    callbacks: CallbackPolicy.parse(e.SKIFF_CALLBACK_ALLOW),
  };
}
