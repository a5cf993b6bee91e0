import { IsIn, IsInt, IsOptional, IsString, Min } from 'class-validator';
import { FunctionRef } from './function-ref';
import { SCALE_REASONS, ScaleReason } from './function-scale.request';

/** Payload of `evt.scale.decision`: one change of desired replicas the scaler made, and why. */
export class ScaleDecisionEvent extends FunctionRef {
  /** Desired replicas before. */
  @IsInt()
  @Min(0)
  from!: number;

  /** Desired replicas after. */
  @IsInt()
  @Min(0)
  to!: number;

  /** Which rule decided. */
  @IsIn(SCALE_REASONS as unknown as string[])
  reason!: ScaleReason;

  /** Human-readable detail (the load seen, the alert, the idle time). */
  @IsOptional()
  @IsString()
  detail?: string;

  /** When the decision was made (ms since the epoch). */
  @IsInt()
  at!: number;
}

/** Answer of `scaler.wake`. */
export interface WakeResult {
  /** Desired replicas after the wake. */
  replicas: number;
  /** Replicas ready now (0 when the caller must wait for `replica.ready`). */
  availableReplicas: number;
}

/** One function's CPU and memory use, from `provider.function.usage`. */
export interface FunctionUsage {
  /** Function name. */
  name: string;
  /** Namespace. */
  namespace: string;
  /** Replicas measured. */
  replicas: number;
  /**
   * CPU of all its replicas together since the previous sample, in millicores; undefined before a
   * second sample. On swarm, replicas on nodes the provider's Engine does not reach count at the mean
   * of the measured ones (the same for memory).
   */
  cpuMillicores?: number;
  /** Memory of all its replicas together now, in bytes (each replica's processes, as its cgroup counts them). */
  memoryBytes?: number;
}
