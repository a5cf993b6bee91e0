import type { Server } from 'node:http';
import { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { MicroserviceOptions } from '@nestjs/microservices';
import { createRpcServer } from '@skiff/nats';
import { StructuredLogger, createRootLogger } from './logger';
import { refusedTarget, rewriteRequestTarget } from './request-target';

/**
 * How long an HTTP client may take and how many connections may be open at once. The timeouts bound
 * what the client sends, never the answer: a sync call may run its function's whole timeout and a log
 * follow streams until the client leaves, both after their request is in.
 */
export interface HttpLimits {
  /** Receiving the request line and headers, from the first byte (or the connection) on (slowloris). */
  headersTimeoutMs: number;
  /** Receiving the whole request, body included (a body dripped a byte at a time). */
  requestTimeoutMs: number;
  /** A keep-alive connection idle between two requests. */
  idleTimeoutMs: number;
  /** Open connections at once; the ones beyond are closed as they arrive. */
  maxConnections: number;
}

/** The limits of every service that does not set its own (the gateway reads SKIFF_GATEWAY_*). */
export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 120_000,
  idleTimeoutMs: 30_000,
  maxConnections: 1024,
};

/** Fastify's server options for the limits (Fastify's `requestTimeout: 0` would also set Node's headersTimeout to 0: set both). */
export function httpServerOptions(limits: HttpLimits) {
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return {
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.idleTimeoutMs,
    http: {
      headersTimeout,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.idleTimeoutMs,
      // How often Node looks for connections past those timeouts.
      connectionsCheckingInterval: Math.max(100, Math.min(5000, Math.floor(headersTimeout / 4))),
    },
  };
}

/** How to start one service. */
export interface ServiceBootstrap {
  /** Service name (log field, NATS connection name, metrics label). */
  service: string;
  /** Log level (SKIFF_LOG_LEVEL). */
  logLevel: string;
  /** Root module. */
  module: Type<unknown>;
  /** HTTP port (API, or just health and metrics). */
  port: number;
  /** Address to bind. */
  host: string;
  /** NATS URL; when `rpc` is true the app also serves `@RpcHandler` methods. */
  natsUrl: string;
  /** NATS credentials file of the service, if the bus needs one. */
  natsCreds?: string;
  /** Serve request/reply handlers over Nest's NATS transport. */
  rpc: boolean;
  /** Milliseconds to wait for in-flight work on shutdown. */
  gracePeriodMs: number;
  /** Largest HTTP body Fastify accepts (bytes). */
  bodyLimit?: number;
  /** Timeouts and the connection cap (default DEFAULT_HTTP_LIMITS). */
  httpLimits?: HttpLimits;
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
  const logger = new StructuredLogger(createRootLogger(options.service, options.logLevel));
  const limits = options.httpLimits ?? DEFAULT_HTTP_LIMITS;
  const app = await NestFactory.create<NestFastifyApplication>(
    options.module,
    new FastifyAdapter({
      bodyLimit: options.bodyLimit,
      routerOptions: { maxParamLength: 1024 },
      forceCloseConnections: 'idle',
      // No service uses Nest (Express-style) middleware: without middie no request runs its empty chain.
      skipMiddie: true,
      rewriteUrl: rewriteRequestTarget,
      ...httpServerOptions(limits),
    }),
    { logger, bufferLogs: true },
  );
  app.useLogger(logger);
  refuseBadTargets(app);
  (app.getHttpServer() as Server).maxConnections = limits.maxConnections;
  if (options.rpc) {
    app.connectMicroservice<MicroserviceOptions>(
      createRpcServer({
        service: options.service,
        url: options.natsUrl,
        credsFile: options.natsCreds,
        gracePeriodMs: options.gracePeriodMs,
      }),
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
