import 'reflect-metadata';
import { ArgumentsHost, Logger } from '@nestjs/common';
import { firstValueFrom, Observable } from 'rxjs';
import { ERROR_CODES, SkiffError } from '@skiff/contracts/errors';
import { RpcErrorFilter, toWireError } from './rpc-error.filter';

const provider = { service: 'provider', buckets: "a bucket of the provider's (registry, secrets or namespaces)" };
const rpcHost = { getType: () => 'rpc' } as unknown as ArgumentsHost;

describe('RpcErrorFilter', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('answers a SkiffError with its code, status and message', async () => {
    const out = new RpcErrorFilter(provider).catch(
      new SkiffError(ERROR_CODES.functionNotFound, 'function: x.y not found'),
      rpcHost,
    ) as Observable<never>;
    await expect(firstValueFrom(out)).rejects.toEqual({ code: 'function/not-found', status: 404, message: 'function: x.y not found' });
  });

  it('answers anything else as platform/internal', async () => {
    const out = new RpcErrorFilter(provider).catch(new TypeError('boom'), rpcHost) as Observable<never>;
    await expect(firstValueFrom(out)).rejects.toMatchObject({
      code: 'platform/internal',
      status: 500,
      message: 'provider failed: boom',
    });
  });
});

describe('toWireError', () => {
  it('handles non-Error throws', () => {
    expect(toWireError('nope', provider)).toMatchObject({ code: 'platform/internal', status: 500 });
  });

  it('calls a write refused by a full bucket platform/storage-full (507), not a 500', () => {
    const full = Object.assign(new Error('maximum bytes exceeded'), {
      api_error: { code: 503, err_code: 10077, description: 'maximum bytes exceeded' },
    });
    expect(toWireError(full, provider)).toMatchObject({
      status: 507,
      code: 'platform/storage-full',
      message: expect.stringContaining('is full'),
    });
  });
});
