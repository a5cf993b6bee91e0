import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { registerRawRoutes } from '@skiff/http';
import { InvokeHandler } from './invoke.handler';

const TEXT = 'text/plain; charset=utf-8';

/**
 * Puts the invoke route on the Fastify instance before the app listens. The front lane
 * (invoke-fast-lane.ts) serves most calls before Fastify sees them; this route serves the ones it
 * leaves to Fastify (absolute-form targets, percent-encoded paths…) with the same handler.
 */
@Injectable()
class InvokeRoutes implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly handler: InvokeHandler,
  ) {}

  onModuleInit(): void {
    const handler = this.handler;
    registerRawRoutes(this.adapterHost.httpAdapter.getInstance<FastifyInstance>(), [
      {
        url: '/function/*',
        bodyLimit: handler.bodyLimit.bytes,
        streamBodiesAbove: handler.inlineMax,
        handler: (request, reply) => {
          reply.hijack();
          return handler.serve(request.raw, reply.raw, request.body);
        },
        // Errors Fastify raised before the handler (body over the limit, unreadable body, a Content-Type it cannot parse).
        onError: (error, _request, reply) => {
          if (reply.sent || reply.raw.headersSent) return;
          const [status, message] = handler.errorAnswer(error);
          void reply.code(status).type(TEXT).send(message);
        },
      },
    ]);
  }
}

/** Sync invocation: `ANY /function/<name>[.<namespace>][/<path>]`. */
@Module({ providers: [InvokeHandler, InvokeRoutes] })
export class InvokeModule {}
