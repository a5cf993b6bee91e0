import { IsIn, IsInt, IsOptional, Min } from 'class-validator';
import { FunctionRef } from './function-ref';
import { SCALE_REASONS, ScaleReason } from './function-scale.request';

/** Payload of `evt.function.{deployed,updated,deleted,scaled}`. */
export class FunctionChangedEvent extends FunctionRef {
  /** Desired replicas after the change (0 after a delete). */
  @IsInt()
  @Min(0)
  replicas!: number;

  /** Registry revision of the function after the change. */
  @IsInt()
  @Min(0)
  revision!: number;

  /** For `scaled`: who asked. */
  @IsOptional()
  @IsIn(SCALE_REASONS as unknown as string[])
  reason?: ScaleReason;
}
