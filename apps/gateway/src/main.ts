import 'reflect-metadata';
import { Logger, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { useProcessSettings } from '@skiff/config';
import { bootstrapService } from '@skiff/observability';
import { serveBeforeFastify } from '@skiff/http';
import { BodyLimit } from './config/body-limit';
import type { AdminCredentials } from '@skiff/config/admin-credentials';
import { gatewayStartup } from './config/gateway.startup';
import { installGatewayGuard } from './auth/gateway-guard';
import { HostPolicy } from './auth/host-policy';
import { AuthThrottle } from './auth/auth-throttle';
import { GatewayConfig } from './config/gateway.config';
import { AppModule, GATEWAY_SERVICE } from './app.module';
import { InvokeHandler } from './invoke/invoke.handler';
import { invokeFastLane } from './invoke/invoke-fast-lane';

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

/** Host check, CSRF checks and basic auth on every admin route, before any route exists (one global hook). */
function applyGuard(app: NestFastifyApplication, config: GatewayConfig, credentials: AdminCredentials, hosts: HostPolicy): void {
  const throttle = new AuthThrottle(config.authThrottle);
  installGatewayGuard(app.getHttpAdapter().getInstance(), { credentials, hosts, allowedOrigins: new Set(config.allowedOrigins), throttle });
  const where = credentials.source === 'env' ? 'SKIFF_ADMIN_PASSWORD' : credentials.file;
  const logger = new Logger('GatewayGuard');
  logger.log(
    `basic auth on /system/* and /ui/: user ${credentials.user}, password from ${where}; ${config.authThrottle.maxFailures} failed logins from one address within ${config.authThrottle.windowMs / 1000} s block it (429)`,
  );
  logger.log(
    `Host names answered: ${hosts.describe()}; other origins allowed on the admin API: ${config.allowedOrigins.join(', ') || 'none'}`,
  );
}

async function main(): Promise<void> {
  const startup = gatewayStartup();
  const { gateway: config, admin } = startup;
  useProcessSettings({ subjectPrefix: config.subjectPrefix, limits: startup.limits });

  @Module({ imports: [AppModule.forRoot(startup)] })
  class Root {}

  await bootstrapService({
    service: GATEWAY_SERVICE,
    logLevel: config.logLevel,
    module: Root,
    port: config.port,
    host: config.host,
    natsUrl: config.natsUrl,
    natsCreds: config.natsCreds,
    rpc: false,
    gracePeriodMs: config.gracePeriodMs,
    bodyLimit: config.maxBodyBytes,
    httpLimits: config.httpLimits,
    configure: (app) => {
      const hosts = new HostPolicy(config.hosts, config.host);
      applyGuard(app, config, admin, hosts);
      applyBodyLimit(app);
      // Sync calls skip Fastify's routing and hooks; the lane makes the guard's one check of /function/* (Host) itself.
      serveBeforeFastify(app.getHttpAdapter().getInstance(), invokeFastLane(app.get(InvokeHandler), hosts));
    },
  });
}

main().catch((err: Error) => {
  process.stderr.write(`gateway failed to start: ${err.message}\n`);
  process.exit(1);
});
