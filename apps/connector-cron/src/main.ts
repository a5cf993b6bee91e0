import 'reflect-metadata';
import { useSubjectPrefix } from '@skiff/contracts/subjects';
import { bootstrapService } from '@skiff/observability';
import { connectorCronStartup } from './config/connector-cron.startup';

async function main(): Promise<void> {
  const { cron: env } = connectorCronStartup();
  useSubjectPrefix(env.SKIFF_SUBJECT_PREFIX);
  const { AppModule, CONNECTOR_CRON_SERVICE } = await import('./app.module');
  await bootstrapService({
    service: CONNECTOR_CRON_SERVICE,
    module: AppModule,
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
