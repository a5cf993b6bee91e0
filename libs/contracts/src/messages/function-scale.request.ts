import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_REPLICAS } from '../openfaas/scale-service-request';
import { FunctionRef } from './function-ref';

/** Why desired replicas changed. */
export const SCALE_REASONS = ['manual', 'alert', 'autoscaler', 'idle', 'wake'] as const;

/** One of SCALE_REASONS. */
export type ScaleReason = (typeof SCALE_REASONS)[number];

/** Request of `provider.function.scale`: set one function's desired replicas. */
export class FunctionScaleRequest extends FunctionRef {
  /** Desired replicas; 0 stops every replica. */
  @IsInt({ message: 'replicas: must be a whole number' })
  @Min(0, { message: 'replicas: must not be negative' })
  @Max(MAX_REPLICAS, { message: `replicas: must be at most ${MAX_REPLICAS}` })
  replicas!: number;

  /** Who asked; defaults to `manual`. */
  @IsOptional()
  @IsIn(SCALE_REASONS as unknown as string[])
  reason?: ScaleReason;
}
