import { ArgumentsHost, Catch, HttpServer, Logger, Provider } from '@nestjs/common';
import { APP_FILTER, BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import { RpcException } from '@nestjs/microservices';
import { Observable, throwError } from 'rxjs';
import { ERROR_CODES, SkiffError, WireError } from '@skiff/contracts/errors';
import { fullStoreError } from './stream-limits';

export interface RpcErrorOptions {
  /** Names the service in `platform/internal` messages (`provider failed: …`). */
  service: string;
  /** The service's buckets, as named in a `platform/storage-full` message. */
  buckets?: string;
}

/**
 * The WireError a failure travels as: SkiffErrors keep their code, a write refused by a full bucket is
 * `platform/storage-full` (507), anything else is `platform/internal`.
 */
export function toWireError(exception: unknown, options: RpcErrorOptions): WireError {
  if (exception instanceof SkiffError) return exception.toWire();
  const full = fullStoreError(exception, options.buckets ?? `a bucket of the ${options.service}'s`);
  if (full) return full.toWire();
  const message = exception instanceof Error ? exception.message : String(exception);
  return new SkiffError(ERROR_CODES.internal, `${options.service} failed: ${message}`).toWire();
}

/**
 * The exception filter of a service that answers RPCs. On NATS it answers every failure as
 * `RpcException(WireError)` so the caller's Bus rebuilds the SkiffError with its HTTP status;
 * on HTTP (health, metrics) Nest's default handling applies.
 */
@Catch()
export class RpcErrorFilter extends BaseExceptionFilter {
  private readonly logger = new Logger(RpcErrorFilter.name);

  constructor(
    private readonly options: RpcErrorOptions,
    applicationRef?: HttpServer,
  ) {
    super(applicationRef);
  }

  override catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() !== 'rpc') return super.catch(exception, host);
    const wire = toWireError(exception, this.options);
    if (!(exception instanceof SkiffError)) {
      this.logger.error({ msg: `unexpected failure in an RPC handler: ${wire.message}`, err: exception });
    }
    return throwError(() => new RpcException(wire).getError());
  }
}

/** The global filter provider: `providers: [rpcErrorFilter({ service: 'scaler' })]`. */
export function rpcErrorFilter(options: RpcErrorOptions): Provider {
  return {
    provide: APP_FILTER,
    inject: [HttpAdapterHost],
    useFactory: (host: HttpAdapterHost) => new RpcErrorFilter(options, host.httpAdapter),
  };
}
