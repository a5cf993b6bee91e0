import { ArgumentsHost, Catch, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { RpcException } from '@nestjs/microservices';
import { Observable, throwError } from 'rxjs';
import { ERROR_CODES, SkiffError } from '@skiff/contracts';

/** Answers every RPC failure as a WireError, so the caller's Bus rebuilds the SkiffError with its status. */
@Catch()
export class ScalerRpcErrorFilter extends BaseExceptionFilter {
  private readonly logger = new Logger(ScalerRpcErrorFilter.name);

  override catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() !== 'rpc') return super.catch(exception, host);
    if (exception instanceof SkiffError) return throwError(() => new RpcException(exception.toWire()).getError());
    const message = exception instanceof Error ? exception.message : String(exception);
    this.logger.error({ msg: `unexpected failure in an RPC handler: ${message}`, err: exception });
    return throwError(() => new RpcException(new SkiffError(ERROR_CODES.internal, `scaler failed: ${message}`).toWire()).getError());
  }
}
