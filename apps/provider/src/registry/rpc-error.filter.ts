import { ArgumentsHost, Catch, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { RpcException } from '@nestjs/microservices';
import { Observable, throwError } from 'rxjs';
import { ERROR_CODES, SkiffError, WireError } from '@skiff/contracts';
import { fullStoreError } from '@skiff/nats';

/**
 * The WireError a failure travels as: SkiffErrors keep their code, a write refused by a full bucket is
 * `platform/storage-full` (507), anything else is `platform/internal`.
 */
export function toWireError(exception: unknown): WireError {
  if (exception instanceof SkiffError) return exception.toWire();
  const full = fullStoreError(exception, "a bucket of the provider's (registry, secrets or namespaces)");
  if (full) return full.toWire();
  const message = exception instanceof Error ? exception.message : String(exception);
  return new SkiffError(ERROR_CODES.internal, `provider failed: ${message}`).toWire();
}

/**
 * The one exception filter of the provider. On NATS it answers every failure as
 * `RpcException(WireError)` so the caller's Bus rebuilds the SkiffError with its HTTP status;
 * on HTTP (health, metrics) Nest's default handling applies.
 */
@Catch()
export class RpcErrorFilter extends BaseExceptionFilter {
  private readonly logger = new Logger(RpcErrorFilter.name);

  override catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() !== 'rpc') return super.catch(exception, host);
    const wire = toWireError(exception);
    if (!(exception instanceof SkiffError)) {
      this.logger.error({ msg: `unexpected failure in an RPC handler: ${wire.message}`, err: exception });
    }
    return throwError(() => new RpcException(wire).getError());
  }
}
