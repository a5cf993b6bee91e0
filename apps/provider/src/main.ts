import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { useProcessSettings } from '@skiff/config';
import { subjects } from '@skiff/contracts/subjects';
import { bootstrapLeader } from '@skiff/observability';
import { AppModule, PROVIDER_SERVICE } from './app.module';
import { shutdownBudget } from './config/provider.env';
import { providerStartup } from './config/provider.startup';

async function main(): Promise<void> {
  const config = providerStartup();
  const { provider: env } = config;
  useProcessSettings({ subjectPrefix: env.SKIFF_SUBJECT_PREFIX, limits: config.limits });

  @Module({ imports: [AppModule.forRoot(config)] })
  class Root {}

  // On Kubernetes the leader lease is a coordination.k8s.io Lease; elsewhere a NATS KV key.
  const makeElector =
    env.SKIFF_BACKEND === 'kubernetes'
      ? await (await import('./leadership/kubernetes-elector-factory')).kubernetesElectorFactory(env)
      : undefined;
  // One active instance per prefix (and backend); others started alike stand by.
  await bootstrapLeader(
    {
      service: PROVIDER_SERVICE,
      logLevel: env.SKIFF_LOG_LEVEL,
      module: Root,
      port: env.SKIFF_PROVIDER_PORT,
      host: env.SKIFF_BIND_ADDRESS,
      natsUrl: env.SKIFF_NATS_URL,
      natsCreds: env.SKIFF_NATS_CREDS,
      rpc: true,
      gracePeriodMs: shutdownBudget(env.SKIFF_SHUTDOWN_GRACE_MS).rpcGraceMs,
      leaseMs: config.leaseMs,
    },
    subjects.providerLeaseKey(env.SKIFF_BACKEND),
    makeElector,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`provider failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
