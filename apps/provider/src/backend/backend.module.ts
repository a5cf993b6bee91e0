import { Module } from '@nestjs/common';
import { PROVIDER_ENV, ProviderEnv } from '../config/provider.env';
import { FUNCTION_BACKEND, FunctionBackend } from './function-backend';
import { LocalBackend } from './local/local.backend';
import { ChildProcessLauncher, PROCESS_LAUNCHER } from './local/process-launcher';
import { HostRuntimeResolver, RUNTIME_RESOLVER } from './local/replica-runtime';
import { BundlesModule } from '../bundles/bundles.module';
import { BundleCache } from '../bundles/bundle-cache.service';
import { BundleRuntimeResolver } from '../bundles/bundle-runtime.resolver';
import { SecretsModule } from '../secrets/secrets.module';
import { SandboxLauncher } from './local/sandbox.launcher';
import { ReplicaCredentials } from './replica-credentials';
import { SecretStore } from '../secrets/secret.store';
import { KubernetesBackend } from './kubernetes/kubernetes.backend';
import { SwarmBackend } from './swarm/swarm.backend';
import { NATS_CONNECTION } from '@skiff/nats';
import type { NatsConnection } from 'nats';

/** The backend selected by `SKIFF_BACKEND`, behind FUNCTION_BACKEND. */
@Module({
  imports: [BundlesModule, SecretsModule],
  providers: [
    // Secrets, limits and isolation (bubblewrap, cgroups) wrap the plain child-process launcher.
    {
      provide: PROCESS_LAUNCHER,
      inject: [PROVIDER_ENV],
      useFactory: (env: ProviderEnv) =>
        new SandboxLauncher(new ChildProcessLauncher(), {
          dataDir: env.SKIFF_DATA_DIR,
          sandbox: env.SKIFF_SANDBOX,
          limits: env.SKIFF_LIMITS,
          watchdogEntry: env.SKIFF_WATCHDOG_ENTRY,
          hostPaths: env.SKIFF_SANDBOX_HOST_PATHS,
        }),
    },
    // Images naming a stored bundle run from the unpacked bundle; anything else on the host.
    {
      provide: RUNTIME_RESOLVER,
      inject: [BundleCache],
      useFactory: (bundles: BundleCache) => new BundleRuntimeResolver(bundles, new HostRuntimeResolver()),
    },
    ReplicaCredentials,
    LocalBackend,
    {
      provide: FUNCTION_BACKEND,
      inject: [PROVIDER_ENV, LocalBackend, SecretStore, ReplicaCredentials, NATS_CONNECTION],
      useFactory: async (
        env: ProviderEnv,
        local: LocalBackend,
        secrets: SecretStore,
        credentials: ReplicaCredentials,
        nc: NatsConnection,
      ): Promise<FunctionBackend> => {
        switch (env.SKIFF_BACKEND) {
          case 'local':
            return local;
          case 'swarm': {
            const swarm = new SwarmBackend(nc, env, secrets, credentials);
            await swarm.start();
            return swarm;
          }
          case 'kubernetes': {
            const { kubeClients, loadKubeConfig } = await import('./kubernetes/kube-clients');
            return new KubernetesBackend(kubeClients(loadKubeConfig(env.SKIFF_KUBECONFIG)), env, secrets, credentials);
          }
        }
      },
    },
  ],
  exports: [FUNCTION_BACKEND],
})
export class BackendModule {}
