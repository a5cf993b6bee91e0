import { IsNotEmpty, IsString } from 'class-validator';
import { IsDnsLabel } from '../validation';

/** Names one function: the request of `provider.function.get` and the answer of `provider.function.delete`. */
export class FunctionRef {
  /** Function name. */
  @IsNotEmpty({ message: 'name: is required' })
  @IsString()
  @IsDnsLabel()
  name!: string;

  /** Namespace. */
  @IsNotEmpty({ message: 'namespace: is required' })
  @IsString()
  @IsDnsLabel()
  namespace!: string;
}
