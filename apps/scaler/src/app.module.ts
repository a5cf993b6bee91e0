import { DynamicModule, Module } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import { subjects } from '@skiff/contracts';
import { Bus, FunctionRegistryCache, FunctionRegistryModule, NATS_CONNECTION, NatsModule, rpcErrorFilter } from '@skiff/nats';
import { METRICS_REGISTRY, ObservabilityModule } from '@skiff/observability';
import { SCALER_ENV, ScalerEnv } from './config/scaler.env';
import { InvocationCounters, openInvocationsBucket } from './counters/invocation-counters';
import { MetricsHistoryWriter } from './history/metrics-history.writer';
import { ScalerController } from './scaling/scaler.controller';
import { ScalerMetrics } from './scaling/scaler.metrics';
import { ScalerService } from './scaling/scaler.service';
import { INVOCATION_COUNTERS, SCALER_METRICS } from './scaling/scaler.tokens';

/** Service name: log field, NATS connection name, metrics label. */
export const SCALER_SERVICE = 'scaler';

/** The scaler: every change of desired replicas (manual, alerts, autoscaler, idle, wake). */
@Module({})
export class AppModule {
  /** The module graph for a configuration validated by main.ts (nothing reads the environment here). */
  static forRoot(env: ScalerEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        NatsModule.forRoot({ service: SCALER_SERVICE, url: env.SKIFF_NATS_URL, credsFile: env.SKIFF_NATS_CREDS }),
        ObservabilityModule.forRoot(SCALER_SERVICE),
        FunctionRegistryModule,
      ],
      controllers: [ScalerController],
      providers: [
        { provide: SCALER_ENV, useValue: env },
        {
          provide: INVOCATION_COUNTERS,
          inject: [NATS_CONNECTION],
          useFactory: async (nc: NatsConnection) => new InvocationCounters(await openInvocationsBucket(nc, subjects)),
        },
        {
          provide: MetricsHistoryWriter,
          inject: [NATS_CONNECTION, Bus, FunctionRegistryCache],
          useFactory: (nc: NatsConnection, bus: Bus, registry: FunctionRegistryCache) =>
            new MetricsHistoryWriter(nc, bus, registry, subjects),
        },
        { provide: SCALER_METRICS, inject: [METRICS_REGISTRY], useFactory: (registry: Registry) => new ScalerMetrics(registry) },
        rpcErrorFilter({ service: SCALER_SERVICE }),
        ScalerService,
      ],
    };
  }
}
