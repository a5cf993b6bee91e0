import { IsInt, Min } from 'class-validator';

/**
 * How long the async call's records are kept: declared once here, validated by every service (the
 * JetStream quotas extend it), read by whichever service creates the async streams and bucket first.
 */
export class AsyncRetentionEnv {
  /** How long call states and results are kept. */
  @IsInt({ message: 'SKIFF_ASYNC_RESULT_TTL_S must be a whole number of seconds' })
  @Min(1)
  SKIFF_ASYNC_RESULT_TTL_S: number = 86_400;

  /** How long dead letters are kept. */
  @IsInt({ message: 'SKIFF_ASYNC_DEAD_LETTER_MAX_AGE_S must be a whole number of seconds' })
  @Min(1)
  SKIFF_ASYNC_DEAD_LETTER_MAX_AGE_S: number = 7 * 86_400;
}

/** Retention of the async streams, results bucket and body store (ms). */
export interface AsyncRetention {
  /** How long call states and results are kept. */
  resultTtlMs: number;
  /** How long dead letters are kept. */
  deadLetterMaxAgeMs: number;
}

/** The retention of a validated environment. */
export function asyncRetentionOf(env: AsyncRetentionEnv): AsyncRetention {
  return { resultTtlMs: env.SKIFF_ASYNC_RESULT_TTL_S * 1000, deadLetterMaxAgeMs: env.SKIFF_ASYNC_DEAD_LETTER_MAX_AGE_S * 1000 };
}
