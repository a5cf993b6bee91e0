import { DynamicModule, Module } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { subjects } from '@skiff/contracts';
import { asyncRetentionOf } from '@skiff/config';
import { FunctionRegistryModule, NATS_CONNECTION, NatsModule } from '@skiff/nats';
import { AsyncQueue } from '@skiff/async';
import { ObservabilityModule } from '@skiff/observability';
import { CONNECTOR_CRON_ENV, ConnectorCronEnv } from './config/connector-cron.env';
import { CronScheduler } from './cron.scheduler';
import { CRON_ASYNC_QUEUE } from './cron.tokens';

/** Service name: log field, NATS connection name, metrics label. */
export const CONNECTOR_CRON_SERVICE = 'connector-cron';

/** connector-cron: scheduled functions fire as async calls, driven by BullMQ job schedulers. */
@Module({})
export class AppModule {
  /** The module graph for a configuration validated by main.ts (nothing reads the environment here). */
  static forRoot(env: ConnectorCronEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        NatsModule.forRoot({ service: CONNECTOR_CRON_SERVICE, url: env.SKIFF_NATS_URL, credsFile: env.SKIFF_NATS_CREDS }),
        ObservabilityModule.forRoot(CONNECTOR_CRON_SERVICE),
        FunctionRegistryModule,
      ],
      providers: [
        { provide: CONNECTOR_CRON_ENV, useValue: env },
        {
          provide: CRON_ASYNC_QUEUE,
          inject: [NATS_CONNECTION],
          useFactory: (nc: NatsConnection) => AsyncQueue.open(nc, subjects, asyncRetentionOf(env)),
        },
        CronScheduler,
      ],
    };
  }
}
