import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { useProcessSettings } from '@skiff/config';
import { bootstrapService } from '@skiff/observability';
import { AppModule, CONNECTOR_CRON_SERVICE } from './app.module';
import { connectorCronStartup } from './config/connector-cron.startup';

async function main(): Promise<void> {
  const config = connectorCronStartup();
  const { cron: env } = config;
  useProcessSettings({ subjectPrefix: env.SKIFF_SUBJECT_PREFIX, limits: config.limits });

  @Module({ imports: [AppModule.forRoot(env)] })
  class Root {}

  await bootstrapService({
    service: CONNECTOR_CRON_SERVICE,
    logLevel: env.SKIFF_LOG_LEVEL,
    module: Root,
    port: env.SKIFF_CONNECTOR_CRON_PORT,
    host: env.SKIFF_BIND_ADDRESS,
    natsUrl: env.SKIFF_NATS_URL,
    natsCreds: env.SKIFF_NATS_CREDS,
    rpc: false,
    gracePeriodMs: env.SKIFF_SHUTDOWN_GRACE_MS,
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`connector-cron failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
