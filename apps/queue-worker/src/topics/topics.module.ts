import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { subjects } from '@skiff/contracts';
import { ensureTopicStream, FunctionRegistryCache, NATS_CONNECTION, NatsModule } from '@skiff/nats';
import { AsyncQueue } from '@skiff/async';
import type { QueueWorkerConfig } from '../config/queue-worker.config';
import { TopicRouter } from './topic.router';
import { TOPIC_ASYNC_QUEUE, TOPIC_REGISTRY } from './topics.tokens';

/** Stops the router's registry watch on shutdown. */
class TopicRegistryLifecycle implements OnApplicationShutdown {
  constructor(@Inject(TOPIC_REGISTRY) private readonly registry: FunctionRegistryCache) {}
  onApplicationShutdown(): void {
    this.registry.stop();
  }
}

/** The topic router (on its own NATS connection, so topic traffic never queues behind calls; no async stack traces: each message costs a KV write and a publish per subscriber). */
@Module({})
export class TopicsModule {
  static forRoot(config: QueueWorkerConfig): DynamicModule {
    return {
      module: TopicsModule,
      imports: [
        NatsModule.forRoot({
          service: 'queue-worker-topics',
          role: 'queue-worker',
          url: config.natsUrl,
          credsFile: config.natsCreds,
          gracePeriodMs: config.gracePeriodMs,
          asyncTraces: false,
        }),
      ],
      providers: [
        {
          provide: TOPIC_REGISTRY,
          inject: [NATS_CONNECTION],
          useFactory: (nc: NatsConnection) => FunctionRegistryCache.start(nc, subjects),
        },
        {
          provide: TOPIC_ASYNC_QUEUE,
          inject: [NATS_CONNECTION],
          useFactory: async (nc: NatsConnection) => {
            const queue = await AsyncQueue.open(nc, subjects, config.store);
            await ensureTopicStream(nc, subjects);
            return queue;
          },
        },
        TopicRegistryLifecycle,
        TopicRouter,
      ],
    };
  }
}
