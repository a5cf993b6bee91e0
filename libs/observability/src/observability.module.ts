import { DynamicModule, Global, Module } from '@nestjs/common';
import { HealthController, MetricsController } from './observability.controller';
import { HealthService } from './health.service';
import { createMetricsRegistry } from './metrics';
import { MetricsListenerOptions, MetricsServer } from './metrics-server';
import { METRICS_LISTENER, METRICS_REGISTRY } from './observability.tokens';

/** How a service serves its metrics. */
export interface ObservabilityOptions {
  /** Serve `/metrics` on a listener of its own instead of the service's HTTP listener. */
  metricsListener?: MetricsListenerOptions;
}

/** Health checks and a Prometheus registry for one service, served on its HTTP listener (metrics: or on their own). */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(service: string, options: ObservabilityOptions = {}): DynamicModule {
    const listener = options.metricsListener;
    return {
      module: ObservabilityModule,
      controllers: listener ? [HealthController] : [HealthController, MetricsController],
      providers: [
        HealthService,
        { provide: METRICS_REGISTRY, useValue: createMetricsRegistry(service) },
        ...(listener ? [{ provide: METRICS_LISTENER, useValue: listener }, MetricsServer] : []),
      ],
      exports: [HealthService, METRICS_REGISTRY],
    };
  }
}
