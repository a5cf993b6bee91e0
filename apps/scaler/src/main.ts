import 'reflect-metadata';
import { subjects } from '@skiff/contracts/subjects';
import { bootstrapLeader } from '@skiff/observability';
import { scalerStartup } from './config/scaler.startup';

async function main(): Promise<void> {
  // Validate the environment before the module graph (which reads it) is loaded.
  const { scaler: env } = scalerStartup();
  const { AppModule, SCALER_SERVICE } = await import('./app.module');
  // One active instance per prefix (and backend); others started alike stand by.
  await bootstrapLeader(
    {
      service: SCALER_SERVICE,
      module: AppModule,
      port: env.SKIFF_SCALER_PORT,
      host: env.SKIFF_BIND_ADDRESS,
      natsUrl: env.SKIFF_NATS_URL,
      natsCreds: env.SKIFF_NATS_CREDS,
      rpc: true,
      gracePeriodMs: env.SKIFF_SHUTDOWN_GRACE_MS,
    },
    subjects.scalerLeaseKey,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`scaler failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
