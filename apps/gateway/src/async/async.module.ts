import { Inject, Injectable, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { connect, NatsConnection } from 'nats';
import { batchWrites, natsConnectionOptions } from '@skiff/nats';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { registerRawRoutes } from '@skiff/http';
import { ASYNC_NATS } from './async.env';
import { AsyncCalls } from './async-calls.service';
import { AsyncInvokeHandler } from './async-invoke.handler';
import { AsyncSystemController } from './async-system.controller';

/** Puts the async submission route on the Fastify instance before the app listens. */
@Injectable()
class AsyncRoutes implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly handler: AsyncInvokeHandler,
  ) {}

  onModuleInit(): void {
    registerRawRoutes(this.adapterHost.httpAdapter.getInstance<FastifyInstance>(), [
      {
        url: '/async-function/*',
        bodyLimit: this.handler.bodyLimit.bytes,
        streamBodiesAbove: this.handler.inlineMax,
        handler: (request, reply) => this.handler.handle(request, reply),
        onError: (error, request, reply) => this.handler.onError(error, request, reply),
      },
    ]);
  }
}

/** Drains the async connection on shutdown. */
@Injectable()
class AsyncConnectionLifecycle implements OnApplicationShutdown {
  constructor(@Inject(ASYNC_NATS) private readonly nc: NatsConnection) {}

  async onApplicationShutdown(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain().catch((e: Error) => new Logger('AsyncModule').warn(`drain failed: ${e.message}`));
  }
}

/**
 * The async API's own NATS connection. Its writes are batched per event-loop turn (batchWrites):
 * accepting calls is throughput-bound, and many submissions then leave in one socket write; the
 * sync invoke path keeps the gateway's main connection, which writes at once.
 */
async function connectAsync(config: GatewayConfig): Promise<NatsConnection> {
  const nc = await connect(
    natsConnectionOptions({
      service: 'gateway-async',
      role: 'gateway',
      url: config.natsUrl,
      credsFile: config.natsCreds,
      asyncTraces: false,
    }),
  );
  if (!batchWrites(nc))
    new Logger('AsyncModule').warn('write batching is not available with this nats client version; writing per microtask');
  return nc;
}

/** Async invocation: `ANY /async-function/<fn>`, call status, cancel, dead letters. */
@Module({
  controllers: [AsyncSystemController],
  providers: [
    { provide: ASYNC_NATS, inject: [GATEWAY_CONFIG], useFactory: connectAsync },
    AsyncConnectionLifecycle,
    AsyncCalls,
    AsyncInvokeHandler,
    AsyncRoutes,
  ],
})
export class AsyncModule {}
