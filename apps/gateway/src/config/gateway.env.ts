import { IsInt, Max, Min, Validate, ValidatorConstraint, ValidatorConstraintInterface, ValidationArguments } from 'class-validator';
import { HttpServiceEnv } from '@skiff/config';
import { DEFAULT_NAMESPACE } from '@skiff/contracts/names';
import { IsDnsLabel } from '@skiff/contracts/validation';
import { parseDurationMs } from './duration';

/** Accepts seconds (`60`) or a Go duration (`1m5s`) greater than zero. */
@ValidatorConstraint({ name: 'isDuration' })
class IsPositiveDuration implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && (parseDurationMs(value) ?? 0) > 0;
  }
  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must be a positive duration in seconds (60) or Go form (1m5s), got "${String(args.value)}"`;
  }
}

/** Environment of the gateway. */
export class GatewayEnv extends HttpServiceEnv {
  /** Public HTTP port (API, `/function/*`, `/system/*`, health, metrics). */
  @IsInt({ message: 'SKIFF_GATEWAY_PORT must be a port number' })
  @Min(1)
  @Max(65535)
  SKIFF_GATEWAY_PORT: number = 8080;

  /** Longest wait for a function or a provider call; caps every function's own timeout. */
  @Validate(IsPositiveDuration)
  SKIFF_UPSTREAM_TIMEOUT: string = '60s';

  /** Largest request body accepted; effectively capped by the NATS server's max_payload minus header room. */
  @IsInt({ message: 'SKIFF_MAX_BODY_BYTES must be a whole number of bytes' })
  @Min(1024, { message: 'SKIFF_MAX_BODY_BYTES must be at least 1024' })
  SKIFF_MAX_BODY_BYTES: number = 32 * 1024 * 1024;

  /** Namespace of `/function/<name>` calls and `/system/*` requests that name none. */
  @IsDnsLabel({ message: 'SKIFF_DEFAULT_NAMESPACE must be a DNS-1123 label (lower-case letters, digits, "-")' })
  SKIFF_DEFAULT_NAMESPACE: string = DEFAULT_NAMESPACE;
}
