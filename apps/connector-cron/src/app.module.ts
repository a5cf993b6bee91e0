import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { subjects } from '@skiff/contracts';
import { asyncRetentionOf } from '@skiff/config';
import { FunctionRegistryCache, NATS_CONNECTION, NatsModule } from '@skiff/nats';
import { AsyncQueue } from '@skiff/async';
import { ObservabilityModule } from '@skiff/observability';
import { CONNECTOR_CRON_ENV, connectorCronEnv } from './config/connector-cron.env';
import { CronScheduler } from './cron.scheduler';
import { CRON_ASYNC_QUEUE, CRON_REGISTRY } from './cron.tokens';

/** Service name: log field, NATS connection name, metrics label. */
export const CONNECTOR_CRON_SERVICE = 'connector-cron';

/** Stops the registry watch on shutdown. */
class RegistryLifecycle implements OnApplicationShutdown {
  constructor(@Inject(CRON_REGISTRY) private readonly registry: FunctionRegistryCache) {}
  onApplicationShutdown(): void {
    this.registry.stop();
  }
}

/** connector-cron: scheduled functions fire as async calls, driven by BullMQ job schedulers. */
@Module({
  imports: [
    NatsModule.forRoot({
      service: CONNECTOR_CRON_SERVICE,
      url: connectorCronEnv().SKIFF_NATS_URL,
      credsFile: connectorCronEnv().SKIFF_NATS_CREDS,
    }),
    ObservabilityModule.forRoot(CONNECTOR_CRON_SERVICE),
  ],
  providers: [
    { provide: CONNECTOR_CRON_ENV, useFactory: () => connectorCronEnv() },
    { provide: CRON_REGISTRY, inject: [NATS_CONNECTION], useFactory: (nc: NatsConnection) => FunctionRegistryCache.start(nc, subjects) },
    {
      provide: CRON_ASYNC_QUEUE,
      inject: [NATS_CONNECTION],
      useFactory: (nc: NatsConnection) => AsyncQueue.open(nc, subjects, asyncRetentionOf(connectorCronEnv())),
    },
    RegistryLifecycle,
    CronScheduler,
  ],
})
export class AppModule {}
