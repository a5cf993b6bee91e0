import { DynamicModule, Global, Module } from '@nestjs/common';
import { ObservabilityController } from './observability.controller';
import { HealthService } from './health.service';
import { createMetricsRegistry } from './metrics';
import { METRICS_REGISTRY } from './observability.tokens';

/** Health checks and a Prometheus registry for one service, served on its HTTP listener. */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(service: string): DynamicModule {
    return {
      module: ObservabilityModule,
      controllers: [ObservabilityController],
      providers: [HealthService, { provide: METRICS_REGISTRY, useValue: createMetricsRegistry(service) }],
      exports: [HealthService, METRICS_REGISTRY],
    };
  }
}
