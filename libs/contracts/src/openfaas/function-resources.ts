import { IsOptional, IsString, Matches } from 'class-validator';

/** Kubernetes-style quantity: `128Mi`, `1G`, `100m`, `0.5`. */
const QUANTITY = /^[0-9]+(\.[0-9]+)?([eE][0-9]+|[KMGTPE]i|[kKMGTPE]|m)?$/;

/** CPU / memory / GPU amounts of a function (OpenFaaS `FunctionResources`), all strings. */
export class FunctionResources {
  /** Memory, e.g. `128Mi`. */
  @IsOptional()
  @IsString()
  @Matches(QUANTITY, { message: 'memory: must be a quantity such as 128Mi or 1G' })
  memory?: string;

  /** CPU, e.g. `100m` (millicores) or `0.5`. */
  @IsOptional()
  @IsString()
  @Matches(QUANTITY, { message: 'cpu: must be a quantity such as 100m or 0.5' })
  cpu?: string;

  /** NVIDIA GPUs (stored, not scheduled by the local backend). */
  @IsOptional()
  @IsString()
  @Matches(QUANTITY, { message: 'nvidia.com/gpu: must be a quantity such as 1' })
  'nvidia.com/gpu'?: string;

  /** AMD GPUs (stored, not scheduled by the local backend). */
  @IsOptional()
  @IsString()
  @Matches(QUANTITY, { message: 'amd.com/gpu: must be a quantity such as 1' })
  'amd.com/gpu'?: string;

  /** Intel GPUs (stored, not scheduled by the local backend). */
  @IsOptional()
  @IsString()
  @Matches(QUANTITY, { message: 'intel.com/gpu: must be a quantity such as 1' })
  'intel.com/gpu'?: string;
}
