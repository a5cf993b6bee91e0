import { IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { IsDnsLabel } from '../validation';

/** Body of `DELETE /system/functions` (OpenFaaS `DeleteFunctionRequest`). */
export class DeleteFunctionRequest {
  /** Function name. */
  @IsNotEmpty({ message: 'functionName: is required' })
  @IsString({ message: 'functionName: must be a string' })
  @IsDnsLabel()
  functionName!: string;

  /** Namespace; body first, then `?namespace=`, then the default. */
  @IsOptional()
  @IsString({ message: 'namespace: must be a string' })
  @IsDnsLabel()
  namespace?: string;
}
