import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { useProcessSettings } from '@skiff/config';
import { bootstrapService } from '@skiff/observability';
import { queueWorkerStartup } from './config/queue-worker.startup';
import { QueueWorkerModule } from './queue-worker.module';

async function main(): Promise<void> {
  const { worker: config, limits } = queueWorkerStartup();
  useProcessSettings({ subjectPrefix: config.subjectPrefix, limits });

  @Module({ imports: [QueueWorkerModule.forRoot(config)] })
  class AppModule {}

  await bootstrapService({
    service: 'queue-worker',
    logLevel: config.logLevel,
    module: AppModule,
    port: config.port,
    host: config.host,
    natsUrl: config.natsUrl,
    natsCreds: config.natsCreds,
    rpc: false,
    gracePeriodMs: config.gracePeriodMs,
  });
}

main().catch((err: Error) => {
  process.stderr.write(`queue-worker failed to start: ${err.message}\n`);
  process.exit(1);
});
