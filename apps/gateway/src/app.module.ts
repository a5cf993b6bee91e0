import { Module } from '@nestjs/common';
import { NatsModule } from '@skiff/nats';
import { ObservabilityModule } from '@skiff/observability';
import { gatewayConfig } from './config/gateway.config';
import { GatewayConfigModule } from './config/gateway-config.module';
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

/** Service name: log field, NATS connection name, metrics label. */
export const GATEWAY_SERVICE = 'gateway';

/** Shared infrastructure every feature module may inject (config, body limit, registry, bus, health). */
const infrastructure = [
  // No per-request stack capture on the invoke hot path.
  NatsModule.forRoot({ service: GATEWAY_SERVICE, url: gatewayConfig().natsUrl, credsFile: gatewayConfig().natsCreds, asyncTraces: false }),
  // Metrics on a port of their own, never on the API port.
  ObservabilityModule.forRoot(GATEWAY_SERVICE, { metricsListener: { port: gatewayConfig().metricsPort, host: gatewayConfig().host } }),
  GatewayConfigModule,
  GatewayHttpModule,
  RegistryModule,
  GatewayScalingModule,
];

/** Feature modules; add new ones (e.g. async invoke) here. */
const features = [InvokeModule, SystemModule, AsyncModule, BundlesModule, LogsModule, TopicsModule, UiModule];

/** The gateway: public HTTP API on Fastify, everything else over NATS. */
@Module({ imports: [...infrastructure, ...features] })
export class AppModule {}
