import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { RpcHandler } from '@skiff/nats';
import { FunctionRef, FunctionStatus, FunctionUsage, ProviderInfo, RPC } from '@skiff/contracts';
import { FunctionService } from './function.service';
import { PROVIDER_INFO } from './registry.tokens';

/** Every provider RPC; one provider replica of the queue group answers each request. */
@Controller()
export class FunctionController {
  constructor(
    private readonly functions: FunctionService,
    @Inject(PROVIDER_INFO) private readonly info: ProviderInfo,
  ) {}

  @RpcHandler(RPC.functionDeploy, 'provider')
  deploy(@Payload() payload: unknown): Promise<FunctionStatus> {
    return this.functions.deploy(payload);
  }

  @RpcHandler(RPC.functionUpdate, 'provider')
  update(@Payload() payload: unknown): Promise<FunctionStatus> {
    return this.functions.update(payload);
  }

  @RpcHandler(RPC.functionDelete, 'provider')
  remove(@Payload() payload: unknown): Promise<FunctionRef> {
    return this.functions.remove(payload);
  }

  @RpcHandler(RPC.functionScale, 'provider')
  scale(@Payload() payload: unknown): Promise<FunctionStatus> {
    return this.functions.scale(payload);
  }

  @RpcHandler(RPC.functionList, 'provider')
  list(@Payload() payload: unknown): FunctionStatus[] {
    return this.functions.list(payload);
  }

  @RpcHandler(RPC.functionGet, 'provider')
  get(@Payload() payload: unknown): FunctionStatus {
    return this.functions.get(payload);
  }

  @RpcHandler(RPC.functionUsage, 'provider')
  usage(): FunctionUsage[] {
    return this.functions.usage();
  }

  @RpcHandler(RPC.providerInfo, 'provider')
  providerInfo(): ProviderInfo {
    return this.info;
  }
}
