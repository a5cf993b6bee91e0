import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { IsDnsLabel, IsStringMap } from '../validation';
import { FunctionResources } from './function-resources';

/** Body of `POST/PUT /system/functions` (OpenFaaS `FunctionDeployment`, field names exact). */
export class FunctionDeployment {
  /** Function name, a DNS-1123 label. Required. */
  @IsNotEmpty({ message: 'service: is required' })
  @IsString({ message: 'service: must be a string' })
  @IsDnsLabel()
  service!: string;

  /** Image or bundle name; on the local backend an unknown image means "run envProcess on the host". Required. */
  @IsNotEmpty({ message: 'image: is required' })
  @IsString({ message: 'image: must be a string' })
  @MaxLength(512, { message: 'image: must be at most 512 characters' })
  image!: string;

  /** Namespace; empty or absent means the default (`openfaas-fn`). */
  @IsOptional()
  @IsString({ message: 'namespace: must be a string' })
  @IsDnsLabel()
  namespace?: string;

  /** The process the watchdog runs (env `fprocess`). */
  @IsOptional()
  @IsString({ message: 'envProcess: must be a string' })
  @MaxLength(4096, { message: 'envProcess: must be at most 4096 characters' })
  envProcess?: string;

  /** Environment variables of the function process. */
  @IsOptional()
  @IsStringMap()
  envVars?: Record<string, string>;

  /** Placement constraints (stored; used by container backends). */
  @IsOptional()
  @IsArray({ message: 'constraints: must be an array of strings' })
  @ArrayMaxSize(64)
  @IsString({ each: true, message: 'constraints: must be an array of strings' })
  constraints?: string[];

  /** Names of existing secrets the function reads under /var/openfaas/secrets. */
  @IsOptional()
  @IsArray({ message: 'secrets: must be an array of strings' })
  @ArrayMaxSize(64)
  @IsString({ each: true, message: 'secrets: must be an array of strings' })
  secrets?: string[];

  /** Labels (scaling settings live here: `com.openfaas.scale.*`). */
  @IsOptional()
  @IsStringMap()
  labels?: Record<string, string> | null;

  /** Annotations (e.g. `topic`, `schedule`). */
  @IsOptional()
  @IsStringMap()
  annotations?: Record<string, string> | null;

  /** Resource limits. */
  @IsOptional()
  @IsObject({ message: 'limits: must be an object' })
  @ValidateNested()
  @Type(() => FunctionResources)
  limits?: FunctionResources | null;

  /** Resource requests. */
  @IsOptional()
  @IsObject({ message: 'requests: must be an object' })
  @ValidateNested()
  @Type(() => FunctionResources)
  requests?: FunctionResources | null;

  /** Run the replica with a read-only root (writable /tmp only). */
  @IsOptional()
  @IsBoolean({ message: 'readOnlyRootFilesystem: must be a boolean' })
  readOnlyRootFilesystem?: boolean;

  /** Deprecated by OpenFaaS; accepted and ignored. */
  @IsOptional()
  @IsString()
  registryAuth?: string;

  /** Deprecated by OpenFaaS; accepted and ignored. */
  @IsOptional()
  @IsString()
  network?: string;
}
