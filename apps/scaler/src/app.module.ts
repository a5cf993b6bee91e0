import { Module } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import { subjects } from '@skiff/contracts';
import { FunctionRegistryModule, NATS_CONNECTION, NatsModule, rpcErrorFilter } from '@skiff/nats';
import { METRICS_REGISTRY, ObservabilityModule } from '@skiff/observability';
import { SCALER_ENV, scalerEnv } from './config/scaler.env';
import { InvocationCounters, openInvocationsBucket } from './counters/invocation-counters';
import { ScalerController } from './scaling/scaler.controller';
import { ScalerMetrics } from './scaling/scaler.metrics';
import { ScalerService } from './scaling/scaler.service';
import { INVOCATION_COUNTERS, SCALER_METRICS } from './scaling/scaler.tokens';

/** Service name: log field, NATS connection name, metrics label. */
export const SCALER_SERVICE = 'scaler';

/** The scaler: every change of desired replicas (manual, alerts, autoscaler, idle, wake). */
@Module({
  imports: [
    NatsModule.forRoot({ service: SCALER_SERVICE, url: scalerEnv().SKIFF_NATS_URL, credsFile: scalerEnv().SKIFF_NATS_CREDS }),
    ObservabilityModule.forRoot(SCALER_SERVICE),
    FunctionRegistryModule,
  ],
  controllers: [ScalerController],
  providers: [
    { provide: SCALER_ENV, useFactory: () => scalerEnv() },
    {
      provide: INVOCATION_COUNTERS,
      inject: [NATS_CONNECTION],
      useFactory: async (nc: NatsConnection) => new InvocationCounters(await openInvocationsBucket(nc, subjects)),
    },
    { provide: SCALER_METRICS, inject: [METRICS_REGISTRY], useFactory: (registry: Registry) => new ScalerMetrics(registry) },
    rpcErrorFilter({ service: SCALER_SERVICE }),
    ScalerService,
  ],
})
export class AppModule {}
