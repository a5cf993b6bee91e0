import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { bootstrapService } from '@skiff/observability';
import { gatewayConfig } from './config/gateway.config';
import { BodyLimit } from './config/body-limit';
import { loadAdminCredentials } from '@skiff/config/admin-credentials';
import { installBasicAuth } from './auth/basic-auth.hook';

/** Every Nest route gets the effective body limit (Fastify's per-route limit beats the parser's). */
function applyBodyLimit(app: NestFastifyApplication): void {
  const limit = app.get(BodyLimit).bytes;
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (route) => {
      route.bodyLimit ??= limit;
    });
}

/** Basic auth on `/system/*`, `/ui/*` and async status, before any route exists (one global hook). */
function applyBasicAuth(app: NestFastifyApplication): void {
  const credentials = loadAdminCredentials();
  installBasicAuth(app.getHttpAdapter().getInstance(), credentials);
  const where = credentials.source === 'env' ? 'SKIFF_ADMIN_PASSWORD' : credentials.file;
  new Logger('BasicAuth').log(`basic auth on /system/* and /ui/: user ${credentials.user}, password from ${where}`);
}

async function main(): Promise<void> {
  const config = gatewayConfig();
  // Loaded after the config check so a bad variable is reported, not thrown at import time.
  const { AppModule, GATEWAY_SERVICE } = await import('./app.module');
  await bootstrapService({
    service: GATEWAY_SERVICE,
    module: AppModule,
    port: config.port,
    host: config.host,
    natsUrl: config.natsUrl,
    rpc: false,
    gracePeriodMs: config.gracePeriodMs,
    bodyLimit: config.maxBodyBytes,
    configure: (app) => {
      applyBasicAuth(app);
      applyBodyLimit(app);
    },
  });
}

main().catch((err: Error) => {
  process.stderr.write(`gateway failed to start: ${err.message}\n`);
  process.exit(1);
});
