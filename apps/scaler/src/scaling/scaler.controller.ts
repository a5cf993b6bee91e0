import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { RpcHandler } from '@skiff/nats';
import { FunctionStatus, RPC, WakeResult } from '@skiff/contracts';
import { ScalerService } from './scaler.service';

/** The scaler's RPCs; one scaler of the queue group answers each request. */
@Controller()
export class ScalerController {
  constructor(private readonly scaler: ScalerService) {}

  @RpcHandler(RPC.scalerScale, 'scaler')
  scale(@Payload() payload: unknown): Promise<FunctionStatus> {
    return this.scaler.scale(payload);
  }

  @RpcHandler(RPC.scalerWake, 'scaler')
  wake(@Payload() payload: unknown): Promise<WakeResult> {
    return this.scaler.wake(payload);
  }
}
