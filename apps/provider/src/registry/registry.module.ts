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
import { FUNCTIONS_KV, PROVIDER_INFO } from './registry.tokens';
import { NamespaceDirectory } from '../namespaces/namespace-directory';
import { FunctionLogPurge } from '../logs/function-log-purge';

/** The function registry: the KV bucket (written only here), its RPCs, and the reconciler feeding the backend. */
@Module({
  imports: [BackendModule, SecretsModule],
  controllers: [FunctionController],
  providers: [
    // After the cache, which creates the bucket (once) before it watches it.
    {
      provide: FUNCTIONS_KV,
      inject: [NATS_CONNECTION, FunctionRegistryCache],
      useFactory: (nc: NatsConnection) => openFunctionsBucket(nc, subjects),
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
  exports: [NamespaceDirectory],
})
export class RegistryModule {}
