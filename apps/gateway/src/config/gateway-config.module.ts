import { DynamicModule, Global, Module } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { LOG_STREAM_OPTIONS, NATS_CONNECTION } from '@skiff/nats';
import { ASYNC_CONFIG } from '../async/async.env';
import { BUNDLES_ENV } from '../bundles/bundles.env';
import { BodyLimit } from './body-limit';
import { GATEWAY_CONFIG, GatewayConfig } from './gateway.config';
import type { GatewayStartup } from './gateway.startup';

/** The validated configuration (every part, under its token) and the effective body limit, for every gateway feature. */
@Global()
@Module({})
export class GatewayConfigModule {
  static forRoot(config: GatewayStartup): DynamicModule {
    const tokens = [GATEWAY_CONFIG, ASYNC_CONFIG, BUNDLES_ENV, LOG_STREAM_OPTIONS];
    return {
      module: GatewayConfigModule,
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config.gateway },
        { provide: ASYNC_CONFIG, useValue: config.async },
        { provide: BUNDLES_ENV, useValue: config.bundles },
        { provide: LOG_STREAM_OPTIONS, useValue: config.logs },
        {
          provide: BodyLimit,
          inject: [GATEWAY_CONFIG, NATS_CONNECTION],
          useFactory: (gateway: GatewayConfig, nc: NatsConnection) => BodyLimit.fromConnection(gateway.maxBodyBytes, nc),
        },
      ],
      exports: [...tokens, BodyLimit],
    };
  }
}
