import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { registerRawRoutes } from '../http/raw-route';
import { ASYNC_CONFIG, asyncConfig } from './async.env';
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
        handler: (request, reply) => this.handler.handle(request, reply),
        onError: (error, request, reply) => this.handler.onError(error, request, reply),
      },
    ]);
  }
}

/** Async invocation: `ANY /async-function/<fn>`, call status, cancel, dead letters. */
@Module({
  controllers: [AsyncSystemController],
  providers: [{ provide: ASYNC_CONFIG, useFactory: () => asyncConfig() }, AsyncCalls, AsyncInvokeHandler, AsyncRoutes],
})
export class AsyncModule {}
