import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { HttpServiceEnv } from '@skiff/config';
import { IsCallbackAllowList } from '@skiff/contracts';

/** Environment of the queue-worker. */
export class QueueWorkerEnv extends HttpServiceEnv {
  /** HTTP port for `/healthz` and `/metrics`. */
  @IsInt({ message: 'SKIFF_QUEUE_WORKER_PORT must be a port number' })
  @Min(1)
  @Max(65535)
  SKIFF_QUEUE_WORKER_PORT: number = 8083;

  /** Lease of a message being worked on; renewed while a call runs, so a crashed worker's calls come back after it. */
  @IsInt({ message: 'SKIFF_QUEUE_ACK_WAIT_MS must be a whole number of milliseconds' })
  @Min(500)
  @Max(3_600_000)
  SKIFF_QUEUE_ACK_WAIT_MS: number = 30_000;

  /** Calls of one function running at once across every replica, when its annotation says nothing. */
  @IsInt({ message: 'SKIFF_QUEUE_MAX_INFLIGHT must be a whole number' })
  @Min(1)
  @Max(10_000)
  SKIFF_QUEUE_MAX_INFLIGHT: number = 10;

  /** Timeout of one call when the function sets no exec_timeout/write_timeout (also the cap). */
  @IsInt({ message: 'SKIFF_QUEUE_INVOKE_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(100)
  SKIFF_QUEUE_INVOKE_TIMEOUT_MS: number = 300_000;

  /** Attempts per call (first included) unless the function's `com.openfaas.retry.attempts` says otherwise. */
  @IsInt({ message: 'SKIFF_QUEUE_RETRY_ATTEMPTS must be a whole number' })
  @Min(1)
  @Max(1000)
  SKIFF_QUEUE_RETRY_ATTEMPTS: number = 10;

  /** Statuses retried by default (500 only when the platform produced it). */
  @IsString()
  @Matches(/^\d{3}(\s*,\s*\d{3})*$/, { message: 'SKIFF_QUEUE_RETRY_CODES must be comma-separated HTTP statuses' })
  SKIFF_QUEUE_RETRY_CODES: string = '408,429,500,502,503,504';

  /** First back-off. */
  @IsInt({ message: 'SKIFF_QUEUE_RETRY_MIN_WAIT_MS must be a whole number of milliseconds' })
  @Min(0)
  SKIFF_QUEUE_RETRY_MIN_WAIT_MS: number = 1000;

  /** Largest back-off. */
  @IsInt({ message: 'SKIFF_QUEUE_RETRY_MAX_WAIT_MS must be a whole number of milliseconds' })
  @Min(0)
  SKIFF_QUEUE_RETRY_MAX_WAIT_MS: number = 60_000;

  /** Delivery attempts of one callback. */
  @IsInt({ message: 'SKIFF_QUEUE_CALLBACK_ATTEMPTS must be a whole number' })
  @Min(1)
  @Max(1000)
  SKIFF_QUEUE_CALLBACK_ATTEMPTS: number = 10;

  /** Timeout of one callback POST. */
  @IsInt({ message: 'SKIFF_QUEUE_CALLBACK_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(100)
  SKIFF_QUEUE_CALLBACK_TIMEOUT_MS: number = 10_000;

  /**
   * Timeout of the first callback POST, made by the worker that ran the call before it records the
   * result (0: every callback goes through the callback stream). A callback not delivered then is
   * retried from the callback stream with SKIFF_QUEUE_CALLBACK_TIMEOUT_MS.
   */
  @IsInt({ message: 'SKIFF_QUEUE_CALLBACK_INLINE_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(0)
  @Max(60_000)
  SKIFF_QUEUE_CALLBACK_INLINE_TIMEOUT_MS: number = 2000;

  /** Largest response body kept with a result (bytes; larger ones are cut and marked). */
  @IsInt({ message: 'SKIFF_ASYNC_RESULT_BODY_MAX must be a whole number of bytes' })
  @Min(0)
  @Max(512 * 1024)
  SKIFF_ASYNC_RESULT_BODY_MAX: number = 64 * 1024;

  /** How often the worker looks for calls of deleted functions and re-creates missing streams and consumers. */
  @IsInt({ message: 'SKIFF_QUEUE_SWEEP_INTERVAL_MS must be a whole number of milliseconds' })
  @Min(500)
  SKIFF_QUEUE_SWEEP_INTERVAL_MS: number = 15_000;

  /**
   * Callback destinations allowed besides public unicast addresses: comma-separated CIDRs, addresses
   * and host names (loopback, link-local, private and other non-public addresses are refused otherwise).
   */
  @IsString()
  @IsCallbackAllowList()
  SKIFF_CALLBACK_ALLOW: string = '';
}
