import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { subjects, useSubjectPrefix } from '@skiff/contracts/subjects';
import { bootstrapLeader } from '@skiff/observability';
import { scalerStartup } from './config/scaler.startup';

async function main(): Promise<void> {
  const { scaler: env } = scalerStartup();
  useSubjectPrefix(env.SKIFF_SUBJECT_PREFIX);
  const { AppModule, SCALER_SERVICE } = await import('./app.module');

  @Module({ imports: [AppModule.forRoot(env)] })
  class Root {}

  // One active instance per prefix (and backend); others started alike stand by.
  await bootstrapLeader(
    {
      service: SCALER_SERVICE,
      module: Root,
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
