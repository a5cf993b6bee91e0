import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { BodyLimit } from '../config/body-limit';
import { registerRawRoutes } from '@skiff/http';
import { InvokeHandler } from './invoke.handler';

/** Puts the invoke route on the Fastify instance before the app listens. */
@Injectable()
class InvokeRoutes implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly handler: InvokeHandler,
    private readonly bodyLimit: BodyLimit,
  ) {}

  onModuleInit(): void {
    registerRawRoutes(this.adapterHost.httpAdapter.getInstance<FastifyInstance>(), [
      {
        url: '/function/*',
        bodyLimit: this.handler.bodyLimit.bytes,
        streamBodiesAbove: this.handler.inlineMax,
        handler: (request, reply) => this.handler.handle(request, reply),
        onError: (error, request, reply) => this.handler.onError(error, request, reply),
      },
    ]);
  }
}

/** Sync invocation: `ANY /function/<name>[.<namespace>][/<path>]`. */
@Module({ providers: [InvokeHandler, InvokeRoutes] })
export class InvokeModule {}
