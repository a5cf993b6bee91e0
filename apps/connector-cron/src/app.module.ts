import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { subjects } from '@skiff/contracts';
import {
  AsyncResultStore,
  AsyncSubmitter,
  ensureAsyncStreams,
  FunctionRegistryCache,
  NATS_CONNECTION,
  NatsModule,
  openAsyncResultsBucket,
} from '@skiff/nats';
import { ObservabilityModule } from '@skiff/observability';
import { CONNECTOR_CRON_ENV, connectorCronEnv } from './config/connector-cron.env';
import { CronScheduler } from './cron.scheduler';
import { CRON_REGISTRY, CRON_SUBMITTER } from './cron.tokens';

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
      provide: CRON_SUBMITTER,
      inject: [NATS_CONNECTION],
      useFactory: async (nc: NatsConnection) => {
        const env = connectorCronEnv();
        const store = {
          resultTtlMs: env.SKIFF_ASYNC_RESULT_TTL_S * 1000,
          deadLetterMaxAgeMs: env.SKIFF_ASYNC_DEAD_LETTER_MAX_AGE_S * 1000,
        };
        await ensureAsyncStreams(nc, subjects, store);
        const results = new AsyncResultStore(await openAsyncResultsBucket(nc, subjects, store), subjects);
        return new AsyncSubmitter(nc.jetstream(), results, subjects);
      },
    },
    RegistryLifecycle,
    CronScheduler,
  ],
})
export class AppModule {}
