import { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { MicroserviceOptions } from '@nestjs/microservices';
import { createNatsTransport } from '@skiff/nats';
import { StructuredLogger, createRootLogger } from './logger';
import { refusedTarget, rewriteRequestTarget } from './request-target';

/** How to start one service. */
export interface ServiceBootstrap {
  /** Service name (log field, NATS connection name, metrics label). */
  service: string;
  /** Root module. */
  module: Type<unknown>;
  /** HTTP port (API, or just health and metrics). */
  port: number;
  /** Address to bind. */
  host: string;
  /** NATS URL; when `rpc` is true the app also serves `@MessagePattern` handlers. */
  natsUrl: string;
  /** Serve request/reply handlers over Nest's NATS transport. */
  rpc: boolean;
  /** Milliseconds to wait for in-flight work on shutdown. */
  gracePeriodMs: number;
  /** Largest HTTP body Fastify accepts (bytes). */
  bodyLimit?: number;
  /** Hook to register raw Fastify routes before listening. */
  configure?: (app: NestFastifyApplication) => void | Promise<void>;
}

/** The first hook of every request: a request target that could not be made origin-form is a 400 with the reason. */
function refuseBadTargets(app: NestFastifyApplication): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      const problem = refusedTarget(request.raw);
      if (problem === undefined) return done();
      void reply.code(400).header('connection', 'close').type('text/plain; charset=utf-8').send(problem);
    });
}

/**
 * The one hybrid bootstrap every service uses: structured logs, Fastify, optional NATS RPC
 * server inheriting the app config, shutdown hooks, init before the transport starts.
 */
export async function bootstrapService(options: ServiceBootstrap): Promise<INestApplication> {
  const logger = new StructuredLogger(createRootLogger(options.service));
  const app = await NestFactory.create<NestFastifyApplication>(
    options.module,
    new FastifyAdapter({
      bodyLimit: options.bodyLimit,
      routerOptions: { maxParamLength: 1024 },
      forceCloseConnections: 'idle',
      rewriteUrl: rewriteRequestTarget,
    }),
    { logger, bufferLogs: true },
  );
  app.useLogger(logger);
  refuseBadTargets(app);
  if (options.rpc) {
    app.connectMicroservice<MicroserviceOptions>(
      createNatsTransport({ service: options.service, url: options.natsUrl, gracePeriodMs: options.gracePeriodMs }),
      { inheritAppConfig: true },
    );
  }
  app.enableShutdownHooks();
  if (options.configure) await options.configure(app);
  await app.init();
  if (options.rpc) await app.startAllMicroservices();
  await app.listen(options.port, options.host);
  logger.log({ port: options.port, host: options.host }, `${options.service} listening`);
  return app;
}
