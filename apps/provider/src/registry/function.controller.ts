import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { FunctionRef, FunctionStatus, FunctionUsage, ProviderInfo, RPC, subjects } from '@skiff/contracts';
import { FunctionService } from './function.service';
import { PROVIDER_INFO } from './registry.tokens';

/** Every provider RPC; one provider replica of the queue group answers each request. */
@Controller()
export class FunctionController {
  constructor(
    private readonly functions: FunctionService,
    @Inject(PROVIDER_INFO) private readonly info: ProviderInfo,
  ) {}

  @MessagePattern(subjects.rpc(RPC.functionDeploy), { queue: subjects.queues.provider })
  deploy(@Payload() payload: unknown): Promise<FunctionStatus> {
    return this.functions.deploy(payload);
  }

  @MessagePattern(subjects.rpc(RPC.functionUpdate), { queue: subjects.queues.provider })
  update(@Payload() payload: unknown): Promise<FunctionStatus> {
    return this.functions.update(payload);
  }

  @MessagePattern(subjects.rpc(RPC.functionDelete), { queue: subjects.queues.provider })
  remove(@Payload() payload: unknown): Promise<FunctionRef> {
    return this.functions.remove(payload);
  }

  @MessagePattern(subjects.rpc(RPC.functionScale), { queue: subjects.queues.provider })
  scale(@Payload() payload: unknown): Promise<FunctionStatus> {
    return this.functions.scale(payload);
  }

  @MessagePattern(subjects.rpc(RPC.functionList), { queue: subjects.queues.provider })
  list(@Payload() payload: unknown): FunctionStatus[] {
    return this.functions.list(payload);
  }

  @MessagePattern(subjects.rpc(RPC.functionGet), { queue: subjects.queues.provider })
  get(@Payload() payload: unknown): FunctionStatus {
    return this.functions.get(payload);
  }

  @MessagePattern(subjects.rpc(RPC.functionUsage), { queue: subjects.queues.provider })
  usage(): FunctionUsage[] {
    return this.functions.usage();
  }

  @MessagePattern(subjects.rpc(RPC.providerInfo), { queue: subjects.queues.provider })
  providerInfo(): ProviderInfo {
    return this.info;
  }
}
