import 'reflect-metadata';
import { Module } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { useProcessSettings } from '@skiff/config';
import { registerRawRoutes } from '@skiff/http';
import { bootstrapService } from '@skiff/observability';
import { AppModule, CONNECTOR_WEBHOOK_SERVICE } from './app.module';
import { connectorWebhookStartup } from './config/connector-webhook.startup';
import { WebhookHandler } from './webhook.handler';

async function main(): Promise<void> {
  const config = connectorWebhookStartup();
  const { webhook: env } = config;
  useProcessSettings({ subjectPrefix: env.SKIFF_SUBJECT_PREFIX, limits: config.limits });

  @Module({ imports: [AppModule.forRoot(env)] })
  class Root {}

  await bootstrapService({
    service: CONNECTOR_WEBHOOK_SERVICE,
    logLevel: env.SKIFF_LOG_LEVEL,
    module: Root,
    port: env.SKIFF_WEBHOOK_PORT,
    host: env.SKIFF_BIND_ADDRESS,
    natsUrl: env.SKIFF_NATS_URL,
    natsCreds: env.SKIFF_NATS_CREDS,
    rpc: false,
    gracePeriodMs: env.SKIFF_SHUTDOWN_GRACE_MS,
    configure: (app) => {
      const handler = app.get(WebhookHandler);
      // Every content type arrives as the raw bytes the signature covers.
      registerRawRoutes(app.getHttpAdapter().getInstance() as FastifyInstance, [
        {
          url: '/webhook/:topic',
          methods: ['POST'],
          bodyLimit: handler.maxBodyBytes,
          handler: (request, reply) => handler.handle(request as FastifyRequest<{ Params: { topic: string } }>, reply),
          onError: (error, request, reply) => handler.onError(error, request, reply),
        },
      ]);
    },
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`connector-webhook failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
