import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { BodyLimit } from '../config/body-limit';
import { registerRawRoutes } from '@skiff/http';
import { TopicPublishHandler } from './topic-publish.handler';

/** Puts the topic route on the Fastify instance before the app listens. */
@Injectable()
class TopicRoutes implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly handler: TopicPublishHandler,
    private readonly bodyLimit: BodyLimit,
  ) {}

  onModuleInit(): void {
    registerRawRoutes(this.adapterHost.httpAdapter.getInstance<FastifyInstance>(), [
      {
        url: '/system/topics/*',
        methods: ['POST'],
        bodyLimit: this.bodyLimit.bytes,
        handler: (request, reply) => this.handler.handle(request, reply),
        onError: (error, request, reply) => this.handler.onError(error, request, reply),
      },
    ]);
  }
}

/** `POST /system/topics/<topic>`: publish to a topic over HTTP (for users without a NATS client). */
@Module({ providers: [TopicPublishHandler, TopicRoutes] })
export class TopicsModule {}
