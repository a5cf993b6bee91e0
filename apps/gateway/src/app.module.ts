import { DynamicModule, Module } from '@nestjs/common';
import { NatsModule } from '@skiff/nats';
import { ObservabilityModule } from '@skiff/observability';
import { GatewayConfigModule } from './config/gateway-config.module';
import type { GatewayStartup } from './config/gateway.startup';
import { GatewayHttpModule } from './http/http.module';
import { RegistryModule } from './registry/registry.module';
import { InvokeModule } from './invoke/invoke.module';
import { SystemModule } from './system/system.module';
import { AsyncModule } from './async/async.module';
import { GatewayScalingModule } from './scaling/scaling.module';
import { BundlesModule } from './bundles/bundles.module';
import { LogsModule } from './logs/logs.module';
import { TopicsModule } from './topics/topics.module';
import { UiModule } from './ui/ui.module';
import { MetricsModule } from './metrics/metrics.module';

/** Service name: log field, NATS connection name, metrics label. */
export const GATEWAY_SERVICE = 'gateway';

/** Feature modules; add new ones (e.g. async invoke) here. */
const features = [InvokeModule, SystemModule, AsyncModule, BundlesModule, LogsModule, TopicsModule, UiModule, MetricsModule];

/** The gateway: public HTTP API on Fastify, everything else over NATS. */
@Module({})
export class AppModule {
  /** The module graph for a configuration validated by main.ts (nothing reads the environment here). */
  static forRoot(config: GatewayStartup): DynamicModule {
    const { gateway } = config;
    return {
      module: AppModule,
      imports: [
        // Shared infrastructure every feature module may inject (config, body limit, registry, bus, health).
        // No per-request stack capture on the invoke hot path.
        NatsModule.forRoot({ service: GATEWAY_SERVICE, url: gateway.natsUrl, credsFile: gateway.natsCreds, asyncTraces: false }),
        // Metrics on a port of their own, never on the API port.
        ObservabilityModule.forRoot(GATEWAY_SERVICE, { metricsListener: { port: gateway.metricsPort, host: gateway.host } }),
        GatewayConfigModule.forRoot(config),
        GatewayHttpModule,
        RegistryModule,
        GatewayScalingModule,
        ...features,
      ],
    };
  }
}
