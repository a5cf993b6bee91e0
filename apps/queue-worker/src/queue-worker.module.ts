import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { subjects } from '@skiff/contracts';
import { Bus, FunctionRegistryCache, NATS_CONNECTION, NatsModule } from '@skiff/nats';
import { AsyncQueue } from '@skiff/async';
import { MeteredInvokeClient } from './metered-invoke.client';
import { QueueDepthMetrics } from './queue-depth.metrics';
import { METRICS_REGISTRY, ObservabilityModule } from '@skiff/observability';
import { QUEUE_WORKER_CONFIG, QueueWorkerConfig } from './config/queue-worker.config';
import { ASYNC_QUEUE, CALLBACK_METRIC, FUNCTION_REGISTRY, INVOKE_CLIENT } from './queue-worker.tokens';
import { CallbackSender } from './callback.sender';
import { CallProcessor } from './calls/call.processor';
import { AttemptRunner } from './calls/attempt.runner';
import { CallBodies } from './calls/call-bodies';
import { CallFinisher } from './calls/call.finisher';
import { CallMetrics } from './calls/call.metrics';
import { CallStates } from './calls/call-states';
import { ResultCallback } from './calls/result-callback';
import { FunctionConsumers } from './function-consumers.service';
import { CallbackDispatcher, callbackCounter } from './callback.dispatcher';
import { TopicsModule } from './topics/topics.module';
import { TopicReplyPublisher } from './topics/topic-reply.publisher';
import { ReplicaExits } from './replica-exits';

/** Stops the registry watch on shutdown. */
class RegistryLifecycle implements OnApplicationShutdown {
  constructor(@Inject(FUNCTION_REGISTRY) private readonly registry: FunctionRegistryCache) {}
  onApplicationShutdown(): void {
    this.registry.stop();
  }
}

/** The queue-worker: per-function JetStream consumers, retries, dead letters, callbacks, results. */
@Module({})
export class QueueWorkerModule implements OnApplicationShutdown {
  constructor(@Inject(INVOKE_CLIENT) private readonly invoker: MeteredInvokeClient) {}

  /** Runs after every provider's hook (calls in flight have ended) and before the bus drains: publishes the last counts. */
  onApplicationShutdown(): void {
    this.invoker.close();
  }

  static forRoot(config: QueueWorkerConfig): DynamicModule {
    return {
      module: QueueWorkerModule,
      imports: [
        NatsModule.forRoot({
          service: 'queue-worker',
          url: config.natsUrl,
          credsFile: config.natsCreds,
          gracePeriodMs: config.gracePeriodMs,
          asyncTraces: false,
          batchWrites: true,
        }),
        ObservabilityModule.forRoot('queue-worker'),
        TopicsModule.forRoot(config),
      ],
      providers: [
        { provide: QUEUE_WORKER_CONFIG, useValue: config },
        {
          provide: ASYNC_QUEUE,
          inject: [NATS_CONNECTION],
          useFactory: (nc: NatsConnection) => AsyncQueue.open(nc, subjects, config.store),
        },
        {
          provide: FUNCTION_REGISTRY,
          inject: [NATS_CONNECTION],
          useFactory: (nc: NatsConnection) => FunctionRegistryCache.start(nc, subjects),
        },
        {
          provide: INVOKE_CLIENT,
          inject: [NATS_CONNECTION, Bus, FUNCTION_REGISTRY],
          useFactory: (nc: NatsConnection, bus: Bus, registry: FunctionRegistryCache) => new MeteredInvokeClient(nc, bus, registry),
        },
        { provide: CALLBACK_METRIC, inject: [METRICS_REGISTRY], useFactory: callbackCounter },
        CallbackSender,
        RegistryLifecycle,
        TopicReplyPublisher,
        ReplicaExits,
        CallMetrics,
        CallBodies,
        CallStates,
        AttemptRunner,
        ResultCallback,
        CallFinisher,
        CallProcessor,
        FunctionConsumers,
        CallbackDispatcher,
        QueueDepthMetrics,
      ],
    };
  }
}
