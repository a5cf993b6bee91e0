import { Global, Module } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { NATS_CONNECTION } from '@skiff/nats';
import { BodyLimit } from './body-limit';
import { GATEWAY_CONFIG, GatewayConfig, gatewayConfig } from './gateway.config';

/** The validated configuration and the effective body limit, for every gateway feature. */
@Global()
@Module({
  providers: [
    { provide: GATEWAY_CONFIG, useFactory: () => gatewayConfig() },
    {
      provide: BodyLimit,
      inject: [GATEWAY_CONFIG, NATS_CONNECTION],
      useFactory: (config: GatewayConfig, nc: NatsConnection) => BodyLimit.fromConnection(config.maxBodyBytes, nc),
    },
  ],
  exports: [GATEWAY_CONFIG, BodyLimit],
})
export class GatewayConfigModule {}
