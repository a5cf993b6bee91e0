import 'reflect-metadata';
import { Controller } from '@nestjs/common';
import { PATTERN_EXTRAS_METADATA, PATTERN_METADATA } from '@nestjs/microservices/constants';
import { RPC, subjects } from '@skiff/contracts/subjects';
import { RpcHandler, RpcServer } from './rpc-handler';

@Controller()
class Probe {
  @RpcHandler(RPC.functionDeploy, 'provider')
  deploy(): string {
    return 'ok';
  }
}

describe('RpcHandler and RpcServer', () => {
  it('records the name without the prefix (decorators run at import, before the prefix is known)', () => {
    const method = Object.getOwnPropertyDescriptor(Probe.prototype, 'deploy')!.value as object;
    expect(Reflect.getMetadata(PATTERN_METADATA, method)).toEqual([RPC.functionDeploy]);
    expect(Reflect.getMetadata(PATTERN_EXTRAS_METADATA, method)).toEqual({ queue: 'provider' });
  });

  it('subscribes on the prefixed subject in the prefixed queue group', () => {
    const server = new RpcServer({ servers: ['nats://127.0.0.1:4222'] });
    const handler = jest.fn();
    server.addHandler(RPC.scalerWake, handler, false, { queue: 'scaler' });
    const handlers = server.getHandlers();
    expect([...handlers.keys()]).toEqual([`${subjects.prefix}.scaler.wake`]);
    expect(handlers.get(`${subjects.prefix}.scaler.wake`)!.extras).toEqual({ queue: `${subjects.prefix}-scaler` });
  });
});
