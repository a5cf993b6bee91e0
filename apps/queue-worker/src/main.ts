import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { useSubjectPrefix } from '@skiff/contracts/subjects';
import { bootstrapService } from '@skiff/observability';
import { queueWorkerStartup } from './config/queue-worker.startup';
import { QueueWorkerModule } from './queue-worker.module';

async function main(): Promise<void> {
  const { worker: config } = queueWorkerStartup();
  useSubjectPrefix(config.subjectPrefix);

  @Module({ imports: [QueueWorkerModule.forRoot(config)] })
  class AppModule {}

  await bootstrapService({
    service: 'queue-worker',
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
