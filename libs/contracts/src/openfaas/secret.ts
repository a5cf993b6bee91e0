import { Type } from 'class-transformer';
import {
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
  ValidationArguments,
  ValidationOptions,
  registerDecorator,
} from 'class-validator';
import { SECRET_VALUE_MAX, SealedSecretValue } from './secret-transport';
import { IsDnsLabel } from '../validation';

/** Longest secret name (a Kubernetes secret name is a DNS subdomain of at most 253 characters). */
export const SECRET_NAME_MAX = 253;

export { SECRET_VALUE_MAX };

/** Secret names: lower-case letters, digits, `-` and `.`, starting and ending alphanumeric, no `..`. */
export const SECRET_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** True when `value` is a usable secret name (also a safe file name: no `/`, no `..`). */
export function isSecretName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= SECRET_NAME_MAX && SECRET_NAME.test(value) && !value.includes('..');
}

/** A secret name; the message never repeats more than a short prefix of what was sent. */
export function IsSecretName(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isSecretName',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => isSecretName(value),
        defaultMessage: (args: ValidationArguments) =>
          `${args.property}: (${String(args.value).slice(0, 80)}) is invalid, must be lower-case letters, digits, "-" and "." ` +
          `(no "/" or "..", at most ${SECRET_NAME_MAX} characters)`,
      },
    });
}

/**
 * Body of `POST/PUT/DELETE /system/secrets` (OpenFaaS `Secret`). Validation messages never
 * contain `value` or `rawValue`.
 */
export class Secret {
  /** Secret name; the file name under /var/openfaas/secrets. */
  @IsNotEmpty({ message: 'name: is required' })
  @IsString({ message: 'name: must be a string' })
  @IsSecretName()
  name!: string;

  /** Namespace; body first, then `?namespace=`, then the default. */
  @IsOptional()
  @IsString({ message: 'namespace: must be a string' })
  @IsDnsLabel()
  namespace?: string;

  /** The value as text (used when rawValue is empty). */
  @IsOptional()
  @IsString({ message: 'value: must be a string' })
  @MaxLength(SECRET_VALUE_MAX, { message: `value: must be at most ${SECRET_VALUE_MAX} bytes` })
  value?: string;

  /** The value as base64 bytes (Go `[]byte`); wins over `value` when non-empty. */
  @IsOptional()
  @IsString({ message: 'rawValue: must be a base64 string' })
  @Matches(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, { message: 'rawValue: must be a base64 string' })
  @MaxLength(Math.ceil(SECRET_VALUE_MAX / 3) * 4, { message: `rawValue: must decode to at most ${SECRET_VALUE_MAX} bytes` })
  rawValue?: string;

  /**
   * Skiff, on the bus only: the value sealed to the provider's transport key. The gateway replaces
   * `value`/`rawValue` with it, so no value crosses the bus in clear; the provider takes no other form.
   */
  @IsOptional()
  @IsObject({ message: 'sealed: must be an object' })
  @ValidateNested()
  @Type(() => SealedSecretValue)
  sealed?: SealedSecretValue;
}

/** A secret as listed: never its value. */
export interface SecretSummary {
  /** Secret name. */
  name: string;
  /** Namespace. */
  namespace: string;
}

/** Request of `provider.secret.list`. */
export class SecretListRequest {
  /** Namespace to list; default `openfaas-fn`. */
  @IsOptional()
  @IsString({ message: 'namespace: must be a string' })
  @IsDnsLabel()
  namespace?: string;
}
