import { DynamicModule, Module } from '@nestjs/common';
import { FunctionRegistryModule, NatsModule, rpcErrorFilter } from '@skiff/nats';
import { ObservabilityModule } from '@skiff/observability';
import { ConfigModule } from './config/config.module';
import type { ProviderStartup } from './config/provider.startup';
import { RegistryModule } from './registry/registry.module';
import { BackendModule } from './backend/backend.module';
import { NamespacesModule } from './namespaces/namespaces.module';
import { LogStreamModule } from './logs/log-stream.module';

/** Service name: log field, NATS connection name, metrics label. */
export const PROVIDER_SERVICE = 'provider';

/** The provider: function registry over NATS, replicas through the selected backend. */
@Module({})
export class AppModule {
  /** The module graph for a configuration validated by main.ts (nothing reads the environment here). */
  static forRoot(config: ProviderStartup): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        NatsModule.forRoot({ service: PROVIDER_SERVICE, url: config.provider.SKIFF_NATS_URL, credsFile: config.provider.SKIFF_NATS_CREDS }),
        ObservabilityModule.forRoot(PROVIDER_SERVICE),
        FunctionRegistryModule,
        // Before the backend, so the first replicas already find the stream.
        LogStreamModule,
        BackendModule,
        RegistryModule,
        NamespacesModule,
      ],
      providers: [rpcErrorFilter({ service: PROVIDER_SERVICE, buckets: "a bucket of the provider's (registry, secrets or namespaces)" })],
    };
  }
}
