import { IsOptional, IsString } from 'class-validator';
import { IsDnsLabel, IsStringMap } from '../validation';

/** Label a namespace must carry to hold functions (faasd: `openfaas: "1"`). */
export const NAMESPACE_LABEL = 'openfaas';

/** Values of NAMESPACE_LABEL that mark an OpenFaaS namespace. */
export const NAMESPACE_LABEL_VALUES = ['1', 'true'] as const;

/** Body of `POST/PUT /system/namespace/<name>` and answer of GET (OpenFaaS `FunctionNamespace`). */
export class FunctionNamespace {
  /** Namespace name (a DNS label); may be omitted in the body when the path names it. */
  @IsOptional()
  @IsString({ message: 'name: must be a string' })
  @IsDnsLabel()
  name?: string;

  /** Labels; must contain `openfaas: "1"`. */
  @IsOptional()
  @IsStringMap()
  labels?: Record<string, string>;

  /** Annotations. */
  @IsOptional()
  @IsStringMap()
  annotations?: Record<string, string>;
}

/** Request of `provider.namespace.get` / `.delete`. */
export class NamespaceRef {
  /** Namespace name. */
  @IsString({ message: 'name: must be a string' })
  @IsDnsLabel()
  name!: string;
}
