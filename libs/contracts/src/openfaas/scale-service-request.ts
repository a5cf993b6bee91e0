import { IsInt, IsNotEmpty, IsOptional, IsString, Max, Min } from 'class-validator';
import { IsDnsLabel } from '../validation';

/** Most replicas one function may ask for; anything above is treated as a mistake. */
export const MAX_REPLICAS = 1000;

/** Body of `POST /system/scale-function/<name>` (OpenFaaS `ScaleServiceRequest`). */
export class ScaleServiceRequest {
  /** Function name (the path segment wins when both are given). */
  @IsNotEmpty({ message: 'serviceName: is required' })
  @IsString({ message: 'serviceName: must be a string' })
  @IsDnsLabel()
  serviceName!: string;

  /** Desired replicas; 0 scales to zero. */
  @IsInt({ message: 'replicas: must be a whole number' })
  @Min(0, { message: 'replicas: must not be negative' })
  @Max(MAX_REPLICAS, { message: `replicas: must be at most ${MAX_REPLICAS}` })
  replicas!: number;

  /** Namespace; default `openfaas-fn`. */
  @IsOptional()
  @IsString({ message: 'namespace: must be a string' })
  @IsDnsLabel()
  namespace?: string;
}
