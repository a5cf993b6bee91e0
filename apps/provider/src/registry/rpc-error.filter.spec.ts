import 'reflect-metadata';
import { ArgumentsHost, Logger } from '@nestjs/common';
import { firstValueFrom, Observable } from 'rxjs';
import { ERROR_CODES, SkiffError } from '@skiff/contracts';
import { RpcErrorFilter, toWireError } from './rpc-error.filter';

const rpcHost = { getType: () => 'rpc' } as unknown as ArgumentsHost;

describe('RpcErrorFilter', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('answers a SkiffError with its code, status and message', async () => {
    const out = new RpcErrorFilter().catch(new SkiffError(ERROR_CODES.functionNotFound, 'function: x.y not found'), rpcHost) as Observable<never>;
    await expect(firstValueFrom(out)).rejects.toEqual({ code: 'function/not-found', status: 404, message: 'function: x.y not found' });
  });

  it('answers anything else as platform/internal', async () => {
    const out = new RpcErrorFilter().catch(new TypeError('boom'), rpcHost) as Observable<never>;
    await expect(firstValueFrom(out)).rejects.toMatchObject({ code: 'platform/internal', status: 500, message: expect.stringContaining('boom') });
  });
});

describe('toWireError', () => {
  it('handles non-Error throws', () => {
    expect(toWireError('nope')).toMatchObject({ code: 'platform/internal', status: 500 });
  });
});
