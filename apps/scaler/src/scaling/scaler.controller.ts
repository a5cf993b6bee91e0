import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { FunctionStatus, RPC, WakeResult, subjects } from '@skiff/contracts';
import { ScalerService } from './scaler.service';

/** The scaler's RPCs; one scaler of the queue group answers each request. */
@Controller()
export class ScalerController {
  constructor(private readonly scaler: ScalerService) {}

  @MessagePattern(subjects.rpc(RPC.scalerScale), { queue: subjects.queues.scaler })
  scale(@Payload() payload: unknown): Promise<FunctionStatus> {
    return this.scaler.scale(payload);
  }

  @MessagePattern(subjects.rpc(RPC.scalerWake), { queue: subjects.queues.scaler })
  wake(@Payload() payload: unknown): Promise<WakeResult> {
    return this.scaler.wake(payload);
  }
}
