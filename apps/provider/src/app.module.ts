import { Module } from '@nestjs/common';
import { FunctionRegistryModule, NatsModule, rpcErrorFilter } from '@skiff/nats';
import { ObservabilityModule } from '@skiff/observability';
import { ConfigModule } from './config/config.module';
import { providerEnv } from './config/provider.env';
import { RegistryModule } from './registry/registry.module';
import { BackendModule } from './backend/backend.module';
import { NamespacesModule } from './namespaces/namespaces.module';
import { LogStreamModule } from './logs/log-stream.module';

/** The provider: function registry over NATS, replicas through the selected backend. */
@Module({
  imports: [
    ConfigModule,
    NatsModule.forRoot({ service: 'provider', url: providerEnv().SKIFF_NATS_URL, credsFile: providerEnv().SKIFF_NATS_CREDS }),
    ObservabilityModule.forRoot('provider'),
    FunctionRegistryModule,
    // Before the backend, so the first replicas already find the stream.
    LogStreamModule,
    BackendModule,
    RegistryModule,
    NamespacesModule,
  ],
  providers: [rpcErrorFilter({ service: 'provider', buckets: "a bucket of the provider's (registry, secrets or namespaces)" })],
})
export class AppModule {}
