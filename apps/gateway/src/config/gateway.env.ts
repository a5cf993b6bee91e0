import {
  IsInt,
  IsString,
  Max,
  Min,
  Validate,
  ValidatorConstraint,
  ValidatorConstraintInterface,
  ValidationArguments,
} from 'class-validator';
import { HttpServiceEnv } from '@skiff/config';
import { DEFAULT_NAMESPACE } from '@skiff/contracts/names';
import { IsDnsLabel } from '@skiff/contracts/validation';
import { parseDurationMs } from '@skiff/contracts/duration';
import { parseOrigins } from '../auth/cross-site';
import { hostListProblem } from '../auth/host-policy';

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

/** A comma-separated list of origins (`https://portal.example.org`). */
@ValidatorConstraint({ name: 'isOriginList' })
class IsOriginList implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && 'origins' in parseOrigins(value);
  }
  defaultMessage(args: ValidationArguments): string {
    const parsed = parseOrigins(String(args.value));
    return `${args.property}: ${'problem' in parsed ? parsed.problem : 'must be a comma-separated list of origins'}`;
  }
}

/** A comma-separated list of host names (`faas.example.org`, `*.example.org`). */
@ValidatorConstraint({ name: 'isHostList' })
class IsHostList implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && hostListProblem(value) === undefined;
  }
  defaultMessage(args: ValidationArguments): string {
    return `${args.property}: ${hostListProblem(String(args.value)) ?? 'must be a comma-separated list of host names'}`;
  }
}

/** A number no larger than another property's (`@Validate(NotAbove, ['OTHER'])`). */
@ValidatorConstraint({ name: 'notAbove' })
class NotAbove implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    const other = (args.object as Record<string, unknown>)[args.constraints[0] as string];
    return typeof value !== 'number' || typeof other !== 'number' || value <= other;
  }
  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must not be larger than ${String(args.constraints[0])}`;
  }
}

/** Environment of the gateway. */
export class GatewayEnv extends HttpServiceEnv {
  /** Public HTTP port (API, `/function/*`, `/system/*`, health, metrics). */
  @IsInt({ message: 'SKIFF_GATEWAY_PORT must be a port number' })
  @Min(1)
  @Max(65535)
  SKIFF_GATEWAY_PORT: number = 8080;

  /** Port of the gateway's `/metrics` (OpenFaaS serves gateway metrics apart from the API too); 0: any free port. */
  @IsInt({ message: 'SKIFF_GATEWAY_METRICS_PORT must be a port number (0: any free port)' })
  @Min(0)
  @Max(65535)
  SKIFF_GATEWAY_METRICS_PORT: number = 8084;

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

  /** Origins besides the gateway's own whose pages may drive the admin API (CSRF check). */
  @IsString()
  @Validate(IsOriginList)
  SKIFF_GATEWAY_ALLOWED_ORIGINS: string = '';

  /** Host names the gateway answers to (DNS-rebinding check); empty: loopback names, or any when bound to every interface. */
  @IsString()
  @Validate(IsHostList)
  SKIFF_GATEWAY_HOSTS: string = '';

  /** Longest time a client may take to send its request line and headers. */
  @IsInt({ message: 'SKIFF_GATEWAY_HEADERS_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(100)
  @Validate(NotAbove, ['SKIFF_GATEWAY_REQUEST_TIMEOUT_MS'])
  SKIFF_GATEWAY_HEADERS_TIMEOUT_MS: number = 20_000;

  /** Longest time a client may take to send its whole request, body included (not the answer). */
  @IsInt({ message: 'SKIFF_GATEWAY_REQUEST_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(100)
  SKIFF_GATEWAY_REQUEST_TIMEOUT_MS: number = 120_000;

  /** How long a keep-alive connection may sit idle between requests. */
  @IsInt({ message: 'SKIFF_GATEWAY_IDLE_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(100)
  SKIFF_GATEWAY_IDLE_TIMEOUT_MS: number = 30_000;

  /** Open connections at once; more are closed as they arrive. */
  @IsInt({ message: 'SKIFF_GATEWAY_MAX_CONNECTIONS must be a whole number' })
  @Min(1)
  SKIFF_GATEWAY_MAX_CONNECTIONS: number = 1024;

  /** Failed logins from one client address within SKIFF_GATEWAY_AUTH_WINDOW_S before it is blocked. */
  @IsInt({ message: 'SKIFF_GATEWAY_AUTH_MAX_FAILURES must be a whole number' })
  @Min(1)
  SKIFF_GATEWAY_AUTH_MAX_FAILURES: number = 10;

  /** Window of the failed-login count, and the first block's length (doubling per block in a row). */
  @IsInt({ message: 'SKIFF_GATEWAY_AUTH_WINDOW_S must be a whole number of seconds' })
  @Min(1)
  @Validate(NotAbove, ['SKIFF_GATEWAY_AUTH_MAX_BLOCK_S'])
  SKIFF_GATEWAY_AUTH_WINDOW_S: number = 60;

  /** Longest block of an address after failed logins. */
  @IsInt({ message: 'SKIFF_GATEWAY_AUTH_MAX_BLOCK_S must be a whole number of seconds' })
  @Min(1)
  SKIFF_GATEWAY_AUTH_MAX_BLOCK_S: number = 900;

  /** Commit the build came from (else the checkout's HEAD, else `unknown`), shown by `/system/info`. */
  @IsString()
  SKIFF_GIT_SHA: string = '';
}
