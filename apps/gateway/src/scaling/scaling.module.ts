import { Global, Module } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { subjects } from '@skiff/contracts';
import { FunctionWaker, busWakeRequester } from '@skiff/invoke';
import { Bus, FunctionRegistryCache, NATS_CONNECTION } from '@skiff/nats';
import { AlertController } from './alert.controller';
import { GatewayMetrics } from './gateway.metrics';
import { InvocationCounts } from './invocation-counts.service';

/** Injection token of the gateway's FunctionWaker (scale from zero on the invoke path). */
export const GATEWAY_WAKER = 'GATEWAY_WAKER';

/** Scaling in the gateway: OpenFaaS metrics, invocation aggregates, counts, alerts, scale from zero. */
@Global()
@Module({
  controllers: [AlertController],
  providers: [
    GatewayMetrics,
    InvocationCounts,
    {
      provide: GATEWAY_WAKER,
      inject: [NATS_CONNECTION, Bus, FunctionRegistryCache, GatewayMetrics],
      useFactory: (nc: NatsConnection, bus: Bus, registry: FunctionRegistryCache, metrics: GatewayMetrics) =>
        new FunctionWaker(nc, subjects, busWakeRequester(bus, registry), metrics),
    },
  ],
  exports: [GatewayMetrics, InvocationCounts, GATEWAY_WAKER],
})
export class GatewayScalingModule {}
