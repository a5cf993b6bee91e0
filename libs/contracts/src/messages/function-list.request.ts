import { IsOptional, IsString } from 'class-validator';
import { IsDnsLabel } from '../validation';

/** Request of `provider.function.list`. */
export class FunctionListRequest {
  /** Namespace to list; default `openfaas-fn`. */
  @IsOptional()
  @IsString()
  @IsDnsLabel()
  namespace?: string;
}
