import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { useProcessSettings } from '@skiff/config';
import { subjects } from '@skiff/contracts/subjects';
import { bootstrapLeader } from '@skiff/observability';
import { AppModule, SCALER_SERVICE } from './app.module';
import { scalerStartup } from './config/scaler.startup';

async function main(): Promise<void> {
  const config = scalerStartup();
  const { scaler: env } = config;
  useProcessSettings({ subjectPrefix: env.SKIFF_SUBJECT_PREFIX, limits: config.limits });

  @Module({ imports: [AppModule.forRoot(env)] })
  class Root {}

  // One active instance per prefix (and backend); others started alike stand by.
  await bootstrapLeader(
    {
      service: SCALER_SERVICE,
      logLevel: env.SKIFF_LOG_LEVEL,
      module: Root,
      port: env.SKIFF_SCALER_PORT,
      host: env.SKIFF_BIND_ADDRESS,
      natsUrl: env.SKIFF_NATS_URL,
      natsCreds: env.SKIFF_NATS_CREDS,
      rpc: true,
      gracePeriodMs: env.SKIFF_SHUTDOWN_GRACE_MS,
      leaseMs: config.leaseMs,
    },
    subjects.scalerLeaseKey,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`scaler failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
