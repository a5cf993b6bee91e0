import { Module } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { subjects } from '@skiff/contracts';
import { FunctionRegistryCache, NATS_CONNECTION, openFunctionsBucket } from '@skiff/nats';
import { BackendModule } from '../backend/backend.module';
import { SecretsModule } from '../secrets/secrets.module';
import { PROVIDER_ENV, ProviderEnv } from '../config/provider.env';
import { BackendReconciler } from './backend-reconciler.service';
import { FunctionController } from './function.controller';
import { FunctionService } from './function.service';
import { readProviderInfo } from './provider-info';
import { FUNCTIONS_KV, PROVIDER_INFO, REGISTRY_CACHE } from './registry.tokens';
import { NamespaceDirectory } from '../namespaces/namespace-directory';
import { FunctionLogPurge } from '../logs/function-log-purge';

/** The function registry: the KV bucket (written only here), its RPCs, and the reconciler feeding the backend. */
@Module({
  imports: [BackendModule, SecretsModule],
  controllers: [FunctionController],
  providers: [
    { provide: FUNCTIONS_KV, inject: [NATS_CONNECTION], useFactory: (nc: NatsConnection) => openFunctionsBucket(nc, subjects) },
    // Depends on the bucket so that it is created once, before the watch opens it.
    {
      provide: REGISTRY_CACHE,
      inject: [NATS_CONNECTION, FUNCTIONS_KV],
      useFactory: (nc: NatsConnection) => FunctionRegistryCache.start(nc, subjects),
    },
    {
      provide: PROVIDER_INFO,
      inject: [PROVIDER_ENV],
      useFactory: (env: ProviderEnv) => readProviderInfo(env.SKIFF_BACKEND, env.SKIFF_GIT_SHA),
    },
    NamespaceDirectory,
    FunctionLogPurge,
    FunctionService,
    BackendReconciler,
  ],
  exports: [REGISTRY_CACHE, NamespaceDirectory],
})
export class RegistryModule {}
